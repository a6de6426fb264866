/**
 * Opens the metadata store for a command and adapts it to the runner's
 * recorder interface.
 */
import type { RunRecorder } from "../../core/runner/run-recorder.ts";

export interface OpenRecorder {
  recorder: RunRecorder;
  close(): Promise<void>;
}

export async function openRecorder(): Promise<OpenRecorder | undefined> {
  return undefined;
}
