/**
 * Small facts about OS processes, used to tell a live server or lock holder
 * from one that crashed.
 */
import { readFileSync } from "node:fs";

/**
 * Whether a process is running. A zombie (exited, not yet reaped by a
 * parent that never reaps) counts as gone.
 */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const state = procStat(pid)?.state;
  return state !== "Z" && state !== "X";
}

/**
 * Whether a live pid is a PostgreSQL server, so that a pid reused by an
 * unrelated process after a crash is not mistaken for one. Where /proc is
 * missing the answer is yes: the caller then probes the port.
 */
export function isPostgres(pid: number): boolean {
  const stat = procStat(pid);
  return stat === undefined || /postgres|postmaster/.test(stat.name);
}

function procStat(pid: number): { name: string; state: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = text.lastIndexOf(")");
    return {
      name: text.slice(text.indexOf("(") + 1, close),
      state: text.slice(close + 2, close + 3),
    };
  } catch {
    return undefined;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
