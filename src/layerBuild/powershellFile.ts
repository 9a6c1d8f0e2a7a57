/**
 * A .ps1 file that Windows runs, as bytes: UTF-8 with its byte order mark. Windows PowerShell 5.1
 * reads a script file without a BOM in the system's ANSI code page, so non-ASCII text in it is
 * garbled; with the BOM both 5.1 and PowerShell 7 read UTF-8 (about_Character_Encoding,
 * learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_character_encoding).
 */
export const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export function ps1Bytes(text: string): Buffer {
  return Buffer.concat([UTF8_BOM, Buffer.from(text.replace(/^\uFEFF/, ''), 'utf8')]);
}
