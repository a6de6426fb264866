/**
 * Change detection for profiles. A profile's mapped update is hashed in
 * canonical form: object keys sorted at every depth (so neither the order
 * of a mapping nor of a jsonb column matters), every value tagged with its
 * type and strings with their length (so no two different values feed the
 * same sequence). The walk feeds the hash directly: no JSON text is built.
 *
 * The hash is not cryptographic (nothing here is adversarial): two
 * independent 32-bit multiply–xorshift lanes, of which 48 bits are kept.
 * They fit a JavaScript number exactly, and the chance that a changed
 * profile keeps its hash is about 2^-48.
 *
 * Note: stored hashes depend on this exact walk; changing it makes every
 * profile look changed once (a full resend, harmless).
 */

const A = 0x9e3779b1;
const B = 0x85ebca77;

class Hasher {
  h1 = 0x2f6b0c1d;
  h2 = 0x7a31c4e5;

  code(c: number): void {
    this.h1 = Math.imul(this.h1 ^ c, A);
    this.h1 ^= this.h1 >>> 15;
    this.h2 = Math.imul(this.h2 ^ c, B);
    this.h2 ^= this.h2 >>> 13;
  }

  text(s: string): void {
    this.code(s.length);
    for (let i = 0; i < s.length; i++) this.code(s.charCodeAt(i));
  }

  value(v: unknown): void {
    switch (typeof v) {
      case "string":
        this.code(0x73); // s
        this.text(v);
        return;
      case "number":
        this.code(0x6e); // n
        this.text(String(v));
        return;
      case "boolean":
        this.code(v ? 0x74 : 0x66); // t, f
        return;
      case "object":
        if (v === null)
          this.code(0x7a); // z
        else if (Array.isArray(v)) this.array(v);
        else this.object(v as Record<string, unknown>);
        return;
      default:
        // undefined and the like: left out of JSON, left out here.
        this.code(0x75); // u
    }
  }

  array(items: readonly unknown[]): void {
    this.code(0x61); // a
    this.code(items.length);
    for (const item of items) this.value(item);
  }

  object(object: Record<string, unknown>): void {
    const keys = sortedKeys(object);
    this.code(0x6f); // o
    for (const key of keys) {
      if (object[key] === undefined) continue;
      this.text(key);
      this.value(object[key]);
    }
    this.code(0x7d); // }
  }

  /** 48 bits of the two lanes after a final mix. */
  digest(): number {
    let a = this.h1 ^ (this.h2 >>> 7);
    a = Math.imul(a ^ (a >>> 16), 0x7feb352d);
    a = Math.imul(a ^ (a >>> 15), 0x846ca68b);
    a ^= a >>> 16;
    let b = this.h2 ^ (this.h1 >>> 11);
    b = Math.imul(b ^ (b >>> 16), 0x7feb352d);
    b = Math.imul(b ^ (b >>> 15), 0x846ca68b);
    b ^= b >>> 16;
    return (a >>> 0) * 0x10000 + (b >>> 16);
  }
}

/**
 * An object's keys in code-unit order. Profiles have few keys, for which
 * an insertion sort beats `Array.prototype.sort` several times over.
 */
function sortedKeys(object: object): string[] {
  const keys = Object.keys(object);
  if (keys.length > 32) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

/** The 48-bit hash of a value in canonical form. */
export function hash48(value: unknown): number {
  const hasher = new Hasher();
  hasher.value(value);
  return hasher.digest();
}

/** The hash of a profile's whole update (identity and operations). */
export function profileHash(update: unknown): number {
  return hash48(update);
}

/** The hash naming a set of property names (order does not matter). */
export function propertySetKey(names: readonly string[]): number {
  return hash48(sortedKeys(Object.fromEntries(names.map((n) => [n, 1]))));
}
