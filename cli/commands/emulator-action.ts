/**
 * What `backflow emulator` does; `emulator.ts` defines the command and
 * loads this module only when it runs, so `--help` stays fast.
 */
import { startEmulator } from "../../core/emulator/index.ts";
import { registerSecret } from "../../core/util/redact.ts";
import type { EmulatorFlags } from "./emulator-options.ts";
import { emulatorOptions } from "./emulator-options.ts";

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(signal);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

export async function run(flags: EmulatorFlags): Promise<void> {
  registerSecret(flags.apiSecret);
  for (const pair of flags.serviceAccount) {
    const at = pair.indexOf(":");
    registerSecret(pair.slice(at + 1), pair.slice(0, at));
  }
  const options = emulatorOptions(flags);
  const signal = waitForSignal();
  const emulator = await startEmulator(options);

  process.stdout.write(`${emulator.url}\n`);
  for (const project of emulator.state.projects) {
    process.stdout.write(
      `project ${project.projectId}: token ${project.token}, ` +
        `${project.identityMode} ID merge\n`,
    );
  }
  if (options.timing) process.stdout.write("timing mode: nothing stored\n");

  await signal;
  await emulator.close();
}
