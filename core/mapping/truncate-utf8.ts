/**
 * Cuts a string to a number of UTF-8 bytes without splitting a character.
 * Mixpanel truncates long strings silently and may cut inside a multibyte
 * character; doing it here keeps the text valid and lets the caller record
 * that it happened.
 */

/** Whether `text` fits: most strings are decided without encoding them. */
export function fitsUtf8(text: string, maxBytes: number): boolean {
  if (text.length * 3 <= maxBytes) return true;
  if (text.length > maxBytes) return false;
  return Buffer.byteLength(text) <= maxBytes;
}

function utf8Length(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  if (codePoint < 0x10000) return 3;
  return 4;
}

/** The longest prefix of `text` whose UTF-8 form has at most `maxBytes`. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (fitsUtf8(text, maxBytes)) return text;
  let bytes = 0;
  let end = 0;
  while (end < text.length) {
    const codePoint = text.codePointAt(end)!;
    bytes += utf8Length(codePoint);
    if (bytes > maxBytes) break;
    end += codePoint > 0xffff ? 2 : 1;
  }
  return text.slice(0, end);
}
