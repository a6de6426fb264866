/**
 * Writes failing with ENOSPC: a dry run writes its request bodies into a
 * 256 KiB tmpfs, which fills up half way. The run must fail and say why,
 * naming the file, neither crash nor claim success; with room again, the
 * same dry run writes every record once. Mounting needs root (as CI and the
 * development machines run); elsewhere the case reports why it is skipped.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { tally } from "./fault-check.ts";
import type { Profile, Snapshot, StoredEvent } from "./fault-emulator.ts";
import { runEnv, runOnce, type CaseResult } from "./fault-run.ts";
import type { SourceState } from "./fault-warehouse.ts";

function mountTmpfs(dir: string, size: string): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], {
      stdio: "ignore",
    });
    return true;
  } catch {
    return false;
  }
}

/** Why the ENOSPC case can not run here, or undefined when it can. */
export async function enospcSkipReason(): Promise<string | undefined> {
  const dir = await mkdtemp(join(tmpdir(), "bf-enospc-probe-"));
  const mounted = mountTmpfs(dir, "64k");
  if (mounted) execFileSync("umount", [dir]);
  await rm(dir, { recursive: true, force: true });
  return mounted
    ? undefined
    : "needs root and `mount -t tmpfs` to make a small full filesystem";
}

/** The records a dry run wrote, in the form the tally reads. */
async function dryRunRecords(dir: string): Promise<Snapshot> {
  const snapshot: Snapshot = { events: [], users: [], groups: [] };
  for (const task of await readdir(dir)) {
    for (const file of await readdir(join(dir, task))) {
      const text = await readFile(join(dir, task, file), "utf8");
      if (file.endsWith("-import.ndjson")) {
        for (const line of text.split("\n").filter(Boolean)) {
          snapshot.events.push(JSON.parse(line) as StoredEvent);
        }
      } else if (
        file.endsWith("-engage.json") ||
        file.endsWith("-groups.json")
      ) {
        const updates = JSON.parse(text) as Array<Record<string, unknown>>;
        for (const u of updates) {
          const profile = {
            ...u,
            $properties: (u.$set ?? {}) as Record<string, unknown>,
          } as Profile;
          (file.endsWith("-engage.json")
            ? snapshot.users
            : snapshot.groups
          ).push(profile);
        }
      }
    }
  }
  return snapshot;
}

export interface DiskOutcome {
  result: CaseResult;
  /** The failed run's task errors, for the test to read. */
  errors: Array<{ code?: string; message?: string }>;
  /** Files the failed run managed to write. */
  writtenBeforeFull: number;
}

export async function enospcCase(
  warehouseUrl: string,
  source: SourceState,
): Promise<DiskOutcome> {
  const began = Date.now();
  const dir = await mkdtemp(join(tmpdir(), "bf-enospc-"));
  if (!mountTmpfs(dir, "256k")) throw new Error(`could not mount ${dir}`);
  try {
    // A dry run needs neither a store nor Mixpanel.
    const env = runEnv({
      warehouseUrl,
      storeUrl: "postgres://unused@127.0.0.1:1/unused",
      emulatorUrl: "http://127.0.0.1:1",
    });
    const out = join(dir, "out");
    const full = await runOnce(env, ["--dry-run-dir", out]);
    const failed = full.summary?.tasks.filter((t) => t.state === "failed");
    const writtenBeforeFull = (await readdir(out).catch(() => [])).length;

    execFileSync("mount", ["-o", "remount,size=8m", dir]);
    await rm(out, { recursive: true, force: true });
    const roomy = await runOnce(env, ["--dry-run-dir", out]);

    const dishonest: string[] = [];
    if (full.code !== 1 || full.summary?.state !== "failed") {
      dishonest.push(`the full-disk run ended ${full.code}`);
    }
    if (roomy.code !== 0) dishonest.push(`the rerun ended ${roomy.code}`);
    return {
      result: {
        fault: "ENOSPC: dry-run folder on a full 256 KiB tmpfs",
        injected: failed?.length ?? 0,
        runs: 2,
        completed: roomy.summary?.state === "success" ? 1 : 0,
        tally: tally(await dryRunRecords(out), source),
        dishonest,
        ms: Date.now() - began,
      },
      errors: (failed ?? []).map((t) => ({
        code: t.errorCode,
        message: t.error,
      })),
      writtenBeforeFull,
    };
  } finally {
    execFileSync("umount", [dir]);
    await rm(dir, { recursive: true, force: true });
  }
}
