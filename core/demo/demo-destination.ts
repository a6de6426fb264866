/**
 * Which Mixpanel the last demo run sent the shop to. Checkpoints and
 * profile hashes say what a destination already holds; after a demo into
 * the emulator they would make a first demo into a real project send
 * almost nothing. So when the destination changes, or the shop was built
 * anew, the demo runs the shop DAG as a full refresh and sends everything.
 */
import { createHash } from "node:crypto";
import pg from "pg";
import { SHOP_SCHEMA } from "./shop-spec.ts";

/** "emulator", or a digest of the project's token and API host. */
export function destinationId(
  target: { token: string; baseUrl: string } | "emulator",
): string {
  if (target === "emulator") return "emulator";
  const digest = createHash("sha256")
    .update(`${target.token}\n${target.baseUrl}`)
    .digest("hex");
  return `mixpanel:${digest.slice(0, 16)}`;
}

async function withClient<T>(
  url: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** The destination of the last demo run into this warehouse, if any. */
export function lastDestination(warehouseUrl: string): Promise<string | null> {
  return withClient(warehouseUrl, async (client) => {
    const { rows } = await client.query<{ destination: string | null }>(
      `select destination from ${SHOP_SCHEMA}.demo_info limit 1`,
    );
    return rows[0]?.destination ?? null;
  });
}

export async function saveDestination(
  warehouseUrl: string,
  destination: string,
): Promise<void> {
  await withClient(warehouseUrl, (client) =>
    client.query(`update ${SHOP_SCHEMA}.demo_info set destination = $1`, [
      destination,
    ]),
  );
}
