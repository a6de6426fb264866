/**
 * Asks a server whether it accepts connections to a database.
 */
import pg from "pg";

export type ProbeResult = "ready" | "no-database" | "auth-failed" | "down";

export async function probe(
  url: string,
  timeoutMs = 2000,
): Promise<ProbeResult> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("select 1");
    return "ready";
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "3D000") return "no-database";
    if (code === "28P01" || code === "28000") return "auth-failed";
    return "down";
  } finally {
    await client.end().catch(() => {});
  }
}
