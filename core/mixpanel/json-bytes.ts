/**
 * Writing JSON text as UTF-8 bytes into one growing buffer, for the fast
 * path that turns COPY text into request bodies without building a JS
 * object or string per row.
 *
 * Every method writes exactly what `JSON.stringify` would for the same
 * value, so a record written here is byte for byte the one the general
 * path serialises.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const HEX = "0123456789abcdef";

/** COPY escape letter → the byte after a backslash in JSON (same letter). */
const JSON_ESCAPE = new Uint8Array(128);
for (const letter of "bfnrt\\") JSON_ESCAPE[letter.charCodeAt(0)] = 1;
const V = 0x76;

export class JsonBytes {
  buf: Buffer;
  pos = 0;

  /**
   * @param capacity bytes to start with, or the buffer to write into
   * @param shared keep the bytes in shared memory, so that handing them
   *   to a worker thread (gzip) copies nothing
   */
  constructor(
    capacity: number | Buffer = 16 * 1024,
    private readonly shared = false,
  ) {
    this.buf =
      typeof capacity === "number" ? this.#allocate(capacity) : capacity;
  }

  #allocate(size: number): Buffer {
    return this.shared
      ? Buffer.from(new SharedArrayBuffer(size))
      : Buffer.allocUnsafe(size);
  }

  /** Makes room for `extra` more bytes. */
  reserve(extra: number): void {
    const needed = this.pos + extra;
    if (needed <= this.buf.length) return;
    const grown = this.#allocate(Math.max(needed, this.buf.length * 2));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** Text known to be ASCII and to need no escaping (names, numbers). */
  ascii(text: string): void {
    this.reserve(text.length);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < text.length; i++) buf[pos++] = text.charCodeAt(i);
    this.pos = pos;
  }

  bytes(constant: Uint8Array): void {
    this.reserve(constant.length);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < constant.length; i++) buf[pos++] = constant[i]!;
    this.pos = pos;
  }

  /** Any JSON-ready value, as `JSON.stringify` writes it. */
  json(value: unknown): void {
    const text = JSON.stringify(value);
    this.reserve(text.length * 3);
    this.pos += this.buf.write(text, this.pos, "utf8");
  }

  /**
   * A COPY text field as a JSON string. COPY escapes backslash and
   * \b \f \n \r \t \v; the first six are JSON escapes too and are copied
   * as they are, \v becomes \u000b, quotes and other control bytes get
   * JSON's escapes. The bytes are valid UTF-8 (PostgreSQL guarantees it),
   * so everything else is copied unchanged.
   * @returns false for an escape COPY TO never writes (nothing written
   *   that counts: the caller rewinds)
   */
  copyText(src: Buffer, start: number, end: number): boolean {
    this.reserve((end - start) * 6 + 2);
    const buf = this.buf;
    let pos = this.pos;
    buf[pos++] = QUOTE;
    for (let i = start; i < end; i++) {
      const b = src[i]!;
      if (b > QUOTE && b !== BACKSLASH) {
        buf[pos++] = b;
      } else if (b === BACKSLASH) {
        const next = src[++i]!;
        if (next < 128 && JSON_ESCAPE[next] === 1) {
          buf[pos++] = BACKSLASH;
          buf[pos++] = next;
        } else if (next === V) {
          pos = unicodeEscape(buf, pos, 0x0b);
        } else return false;
      } else if (b === QUOTE) {
        buf[pos++] = BACKSLASH;
        buf[pos++] = QUOTE;
      } else if (b < 0x20) {
        pos = unicodeEscape(buf, pos, b);
      } else {
        buf[pos++] = b;
      }
    }
    buf[pos++] = QUOTE;
    this.pos = pos;
    return true;
  }
}

// JSON.stringify writes the control characters without a short escape as
// \u00XX with lowercase hex digits.
function unicodeEscape(buf: Buffer, at: number, code: number): number {
  buf[at++] = BACKSLASH;
  buf[at++] = 0x75;
  buf[at++] = 0x30;
  buf[at++] = 0x30;
  buf[at++] = HEX.charCodeAt(code >> 4);
  buf[at++] = HEX.charCodeAt(code & 15);
  return at;
}

/** UTF-8 bytes of a COPY field once its escapes are undone. */
export function unescapedLength(src: Buffer, start: number, end: number) {
  let length = end - start;
  for (let i = start; i < end; i++) {
    if (src[i] === BACKSLASH) {
      length--;
      i++;
    }
  }
  return length;
}
