/**
 * A real terminal for tests: a tmux server of its own, one session, its
 * screen read as text and keys sent as a user types them.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Why tmux cannot be used here, or undefined when it can. */
export async function tmuxMissing(): Promise<string | undefined> {
  try {
    await run("tmux", ["-V"]);
    return undefined;
  } catch {
    return "tmux is not installed (Debian: apt-get install -y tmux)";
  }
}

export interface Terminal {
  /** The visible screen, one line per row, trailing blanks trimmed. */
  screen(): Promise<string>;
  /** Waits for a screen matching `pattern`; fails with the last screen. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** tmux key names: "Enter", "Escape", "Down", or plain text. */
  keys(...keys: string[]): Promise<void>;
  resize(columns: number, rows: number): Promise<void>;
  /** Whether the program in the terminal has exited. */
  exited(): Promise<boolean>;
  close(): Promise<void>;
}

export async function openTerminal(
  command: string[],
  size: { columns: number; rows: number },
): Promise<Terminal> {
  const socket = `backflow-test-${randomBytes(4).toString("hex")}`;
  const tmux = (...args: string[]) => run("tmux", ["-L", socket, ...args]);
  // A pane that dies stays, so its last screen can still be read.
  await tmux(
    "-f",
    "/dev/null",
    "new-session",
    "-d",
    "-s",
    "t",
    "-x",
    String(size.columns),
    "-y",
    String(size.rows),
    ...command,
    ";",
    "set-option",
    "-t",
    "t",
    "remain-on-exit",
    "on",
  );

  const screen = async () => {
    const { stdout } = await tmux("capture-pane", "-p", "-t", "t");
    return stdout
      .split("\n")
      .map((l) => l.trimEnd())
      .join("\n");
  };
  return {
    screen,
    async waitFor(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = await screen();
        if (pattern.test(text)) return text;
        if (Date.now() > deadline) {
          throw new Error(
            `no screen matching ${pattern} within ${timeoutMs} ms:\n${text}`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async keys(...keys) {
      for (const key of keys) {
        await tmux("send-keys", "-t", "t", key);
        await new Promise((r) => setTimeout(r, 150));
      }
    },
    async resize(columns, rows) {
      await tmux(
        "resize-window",
        "-t",
        "t",
        "-x",
        String(columns),
        "-y",
        String(rows),
      );
    },
    async exited() {
      const { stdout } = await tmux(
        "display-message",
        "-p",
        "-t",
        "t",
        "#{pane_dead}",
      );
      return stdout.trim() === "1";
    },
    async close() {
      await tmux("kill-server").catch(() => {});
    },
  };
}
