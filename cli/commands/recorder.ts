/**
 * Opens the metadata store for a command and adapts it to the runner's
 * recorder interface.
 */
import type { RunRecorder } from "../../core/runner/run-recorder.ts";
import { StoreRecorder } from "../../core/runner/store-recorder.ts";
import { openStore, type MetadataStore } from "../../core/store/index.ts";

export interface OpenRecorder {
  recorder: RunRecorder;
  store: MetadataStore;
  close(): Promise<void>;
}

export async function openRecorder(): Promise<OpenRecorder> {
  const store = await openStore();
  return {
    recorder: new StoreRecorder(store),
    store,
    close: () => store.close(),
  };
}
