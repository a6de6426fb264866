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
  let password: string | undefined;
  let user: string | undefined;
  try {
    const parsed = new URL(url);
    password = parsed.password || undefined;
    user = parsed.username;
  } catch {
    // Not a URL (a bad port, a space…): a password may still be in it.
    const match = USERINFO.exec(url);
    password = match?.[2] || undefined;
    user = match?.[1];
  }
  // A password equal to the user name is shown with every user name;
  // masking it would only mask the user (e.g. postgres:postgres).
  if (password === undefined || password === user) return;
  // Raw first: a malformed %-escape makes decoding throw.
  registerSecret(password);
  try {
    registerSecret(decodeURIComponent(password));
  } catch {
    // Kept in its raw form only.
  }
}

/** `scheme://user:password@`, for text that `URL` can not parse. */
const USERINFO = /^[a-z][a-z0-9+.-]*:\/\/([^:/@\s]*):([^/\s]*)@/i;

// Names of variables whose values are secrets whatever they are used for.
const SECRET_NAME = /SECRET|PASSWORD|PASSWD|PRIVATE_KEY|API_KEY|CREDENTIAL/i;

/**
 * Registers what the environment holds before anything can print it: the
 * value of every variable whose name says it is a secret, and the password
 * of every value that is a URL with one (BACKFLOW_DATABASE_URL, a
 * warehouse URL under any name). A connection registers its own secrets
 * again when it is resolved, also those read from `.env`.
 */
export function registerEnvironmentSecrets(
  env: Readonly<Record<string, string | undefined>> = process.env,
) {
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (SECRET_NAME.test(name)) registerSecret(value.trim());
    if (value.includes("://")) registerUrlSecret(value.trim());
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
