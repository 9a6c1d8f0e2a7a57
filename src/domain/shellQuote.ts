/**
 * A name as a POSIX shell reads it back, for the commands elm suggests ("elm finalize 'Citrix VDA'"):
 * plain when it is only safe characters, else in single quotes, where nothing ($, `, \, !) is
 * special; a single quote inside becomes '\''. Control characters are spelled $'\x1b' so the
 * suggestion prints nothing raw to the terminal and still pastes back as the same name.
 */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9._@%+=:,/-]+$/.test(value)) return value;
  // eslint-disable-next-line no-control-regex -- control characters are what is spelled out
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    const body = Array.from(value, (ch) => {
      const c = ch.codePointAt(0)!;
      if (c < 0x20 || c === 0x7f) return `\\x${c.toString(16).padStart(2, '0')}`;
      return ch === "'" || ch === '\\' ? `\\${ch}` : ch;
    }).join('');
    return `$'${body}'`;
  }
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
