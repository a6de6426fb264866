/**
 * `/import` authentication (spec §2.3, §12a): a service account with
 * `project_id`, the project token as Basic username, or the legacy API
 * secret as Basic username. `/engage`, `/groups` and `/track` ignore the
 * header and select the project by the token inside each record.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { ResolvedProject } from "./options.ts";

/** The message Mixpanel gives for any bad Basic credentials on /import. */
export const UNAUTHORIZED_MESSAGE =
  "Unauthorized, invalid project secret. See docs for more information: " +
  "https://developer.mixpanel.com/reference/authentication#project-secret";

interface Credentials {
  user: string;
  secret: string;
}

/** Reads `Basic base64(user:secret)`, or the plain `user:secret` form. */
export function parseBasic(header: string | undefined): Credentials | null {
  const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match) return null;
  const value = match[1]!;
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const isBase64 =
    Buffer.from(decoded, "utf8").toString("base64").replace(/=+$/, "") ===
    value.replace(/=+$/, "");
  const pair = isBase64 && decoded.includes(":") ? decoded : value;
  const at = pair.indexOf(":");
  if (at < 0) return { user: pair, secret: "" };
  return { user: pair.slice(0, at), secret: pair.slice(at + 1) };
}

/** Compares secrets without leaking their length or content by timing. */
function same(a: string, b: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(a), digest(b));
}

function isServiceAccount(project: ResolvedProject, given: Credentials) {
  return project.serviceAccounts.some(
    (account) =>
      account.username === given.user && same(account.secret, given.secret),
  );
}

/** The project an `/import` request may write to, or null (→ 401). */
export function authenticateImport(
  header: string | undefined,
  projectId: string | null,
  projects: readonly ResolvedProject[],
): ResolvedProject | null {
  const given = parseBasic(header);
  if (!given) return null;

  const candidates =
    projectId === null
      ? projects
      : projects.filter((project) => project.projectId === projectId);
  for (const project of candidates) {
    if (same(project.token, given.user)) return project;
    if (project.apiSecret && same(project.apiSecret, given.user)) {
      return project;
    }
    // Without project_id the pair is read as a project secret and fails.
    if (projectId !== null && isServiceAccount(project, given)) return project;
  }
  return null;
}
