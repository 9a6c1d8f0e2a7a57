/**
 * Text as a terminal shows it: how many columns a string takes (CJK takes two, accents none),
 * control characters spelled out instead of sent raw, long prose wrapped at word boundaries.
 */

// Wide (two-column) code points: East Asian Wide and Fullwidth ranges, and emoji.
const WIDE: [number, number][] = [
  [0x1100, 0x115f], [0x231a, 0x231b], [0x2329, 0x232a], [0x23e9, 0x23ec], [0x23f0, 0x23f0], [0x23f3, 0x23f3],
  [0x25fd, 0x25fe], [0x2614, 0x2615], [0x2648, 0x2653], [0x267f, 0x267f], [0x2693, 0x2693], [0x26a1, 0x26a1],
  [0x26aa, 0x26ab], [0x26bd, 0x26be], [0x26c4, 0x26c5], [0x26ce, 0x26ce], [0x26d4, 0x26d4], [0x26ea, 0x26ea],
  [0x26f2, 0x26f3], [0x26f5, 0x26f5], [0x26fa, 0x26fa], [0x26fd, 0x26fd], [0x2705, 0x2705], [0x270a, 0x270b],
  [0x2728, 0x2728], [0x274c, 0x274c], [0x274e, 0x274e], [0x2753, 0x2755], [0x2757, 0x2757], [0x2795, 0x2797],
  [0x27b0, 0x27b0], [0x27bf, 0x27bf], [0x2b1b, 0x2b1c], [0x2b50, 0x2b50], [0x2b55, 0x2b55], [0x2e80, 0x303e],
  [0x3041, 0x33ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xa000, 0xa4cf], [0xa960, 0xa97f], [0xac00, 0xd7a3],
  [0xf900, 0xfaff], [0xfe10, 0xfe19], [0xfe30, 0xfe6f], [0xff00, 0xff60], [0xffe0, 0xffe6], [0x1f004, 0x1f004],
  [0x1f0cf, 0x1f0cf], [0x1f18e, 0x1f18e], [0x1f191, 0x1f19a], [0x1f200, 0x1f251], [0x1f300, 0x1f64f],
  [0x1f680, 0x1f6ff], [0x1f7e0, 0x1f7eb], [0x1f90c, 0x1f9ff], [0x1fa70, 0x1faff], [0x20000, 0x3fffd],
];

function isWide(cp: number): boolean {
  let lo = 0;
  let hi = WIDE.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < WIDE[mid][0]) hi = mid - 1;
    else if (cp > WIDE[mid][1]) lo = mid + 1;
    else return true;
  }
  return false;
}

// eslint-disable-next-line no-control-regex -- escape sequences take no columns
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;
const MARK = /^[\p{Mn}\p{Me}]$/u;

/** Combining marks, zero-width spaces and joiners, variation selectors: no column of their own. */
function isZeroWidth(ch: string, cp: number): boolean {
  return MARK.test(ch) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f);
}

/** Columns the text takes on a terminal (ANSI colours ignored). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text.replace(ANSI, '')) {
    const cp = ch.codePointAt(0)!;
    if (isZeroWidth(ch, cp)) continue;
    width += isWide(cp) ? 2 : 1;
  }
  return width;
}

export function padDisplay(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

/**
 * Control characters (a name with ESC or a bell in it) spelled as \x1b, \u009b, so a name can
 * never move the cursor or recolour the terminal. Newlines and tabs are kept where asked.
 */
export function escapeControls(text: string, keep: 'none' | 'newlines' | 'newlines-and-colours' = 'none'): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is escaped
  return text.replace(/\u001b\[[0-9;]*m|[\u0000-\u001f\u007f-\u009f]/g, (seq) => {
    if (seq.length > 1) return keep === 'newlines-and-colours' ? seq : escapeOne(seq[0]) + seq.slice(1);
    if (keep !== 'none' && (seq === '\n' || seq === '\t')) return seq;
    return escapeOne(seq);
  });
}

function escapeOne(ch: string): string {
  const c = ch.charCodeAt(0);
  return c < 0x80 ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
}

/** Prose wrapped at word boundaries to the given columns; lines keep their leading indent. */
export function wrapText(text: string, columns: number): string {
  if (columns < 20) return text;
  return text
    .split('\n')
    .map((line) => {
      if (displayWidth(line) <= columns) return line;
      const indent = /^\s*/.exec(line)![0];
      const words = line.trim().split(/ +/);
      const out: string[] = [];
      let current = indent;
      for (const w of words) {
        const candidate = current.trim() === '' ? `${indent}${w}` : `${current} ${w}`;
        if (displayWidth(candidate) > columns && current.trim() !== '') {
          out.push(current);
          current = `${indent}  ${w}`;
        } else current = candidate;
      }
      out.push(current);
      return out.join('\n');
    })
    .join('\n');
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** An ISO instant as an operator reads it in a table: local time, and how long ago. */
export function formatWhen(iso: string, now: Date = new Date()): string {
  if (!ISO_INSTANT.test(iso)) return iso;
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  const local = `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())} ${p(t.getHours())}:${p(t.getMinutes())}`;
  return `${local} (${relative(now.getTime() - t.getTime())})`;
}

function relative(ms: number): string {
  const future = ms < 0;
  const s = Math.round(Math.abs(ms) / 1000);
  const [n, unit] = s < 60 ? [s, 's'] : s < 3600 ? [Math.floor(s / 60), 'min'] : s < 86_400 ? [Math.floor(s / 3600), 'h'] : [Math.floor(s / 86_400), 'd'];
  if (s < 5) return 'just now';
  return future ? `in ${n} ${unit}` : `${n} ${unit} ago`;
}

export function isIsoInstant(text: string): boolean {
  return ISO_INSTANT.test(text);
}
