/**
 * Secret redaction. Every secret backflow reads (API secrets, service-account
 * secrets, database passwords) is registered here, and every log line, error
 * message and screen passes through `redact` before it leaves the process.
 *
 * A secret can leak in disguise, so each one is also matched in the forms it
 * takes on the wire: base64 of `user:secret` (HTTP Basic) and percent-encoding
 * (connection strings).
 */
const MASK = "[redacted]";
const MIN_SECRET_LENGTH = 4;

const secrets = new Set<string>();
const needles: string[] = [];

function variants(secret: string, user?: string): string[] {
  const forms = [secret, encodeURIComponent(secret)];
  const pairs = user === undefined ? [`${secret}:`] : [`${user}:${secret}`];
  for (const pair of pairs) {
    const b64 = Buffer.from(pair).toString("base64");
    forms.push(b64, b64.replace(/=+$/, ""));
  }
  return forms;
}

/**
 * Registers a secret so that `redact` hides it.
 * @param user the Basic-auth user paired with it, when there is one
 */
export function registerSecret(secret: string | undefined, user?: string) {
  if (!secret || secret.length < MIN_SECRET_LENGTH) return;
  const key = `${user ?? ""}\u0000${secret}`;
  if (secrets.has(key)) return;
  secrets.add(key);
  for (const form of variants(secret, user)) {
    if (!needles.includes(form)) needles.push(form);
  }
  needles.sort((a, b) => b.length - a.length);
}

/** Registers the password of a connection string, if it has one. */
export function registerUrlSecret(url: string | undefined) {
  if (!url) return;
  try {
    const parsed = new URL(url);
    if (parsed.password) {
      registerSecret(decodeURIComponent(parsed.password));
      registerSecret(parsed.password);
    }
  } catch {
    // Not a URL: nothing to extract, and the caller reports the bad value.
  }
}

/** Replaces every registered secret (in any of its forms) with a mask. */
export function redact(text: string): string {
  let out = text;
  for (const needle of needles) {
    if (out.includes(needle)) out = out.split(needle).join(MASK);
  }
  return out;
}

/** Hides the password part of a connection string. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return redact(url);
  }
}
