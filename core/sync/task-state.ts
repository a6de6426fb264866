/**
 * What a sync task remembers between runs, behind one interface: the
 * metadata store in production, nothing at all for a bare library call or
 * a dry run (every run then reads and sends everything).
 */
import type {
  ClearReason,
  LedgerEntry,
  OpenRejection,
  ProfileHashEntry,
  PropertySet,
  SyncRepository,
} from "../store/sync-repository.ts";

export type {
  ClearReason,
  LedgerEntry,
  OpenRejection,
  ProfileHashEntry,
  PropertySet,
};

export interface TaskState {
  /** Whether anything is remembered at all. */
  readonly persistent: boolean;
  checkpoint(): Promise<unknown>;
  /** Adds ledger entries and moves the checkpoint (when given) at once. */
  saveProgress(
    checkpoint: unknown,
    ledger: readonly LedgerEntry[],
  ): Promise<void>;
  ledgerKeys(fromUs: number): Promise<Set<string>>;
  pruneLedger(beforeUs: number): Promise<void>;
  clearCheckpoint(): Promise<void>;
  openRejections(): Promise<OpenRejection[]>;
  clearRejections(keys: readonly string[], reason: ClearReason): Promise<void>;
  /** Clears open rejections of earlier runs (a full read re-judged them). */
  clearEarlierRejections(): Promise<void>;
  /** Streams every stored hash (NaN: invalidated) to `onEntry`. */
  loadHashes(onEntry: (key: string, hash: number) => void): Promise<number>;
  lookupHashes(keys: readonly string[]): Promise<Map<string, number>>;
  sentProperties(
    keys: readonly string[],
  ): Promise<Map<string, readonly string[]>>;
  saveHashes(
    entries: readonly ProfileHashEntry[],
    sets: readonly PropertySet[],
  ): Promise<void>;
  deleteHashes(keys: readonly string[]): Promise<void>;
  invalidateHashes(): Promise<void>;
}

/** Hands each task run its state. */
export interface SyncStateSource {
  forTask(dagId: string, taskId: string, runId: string): TaskState;
}

const none = async () => {};

/** Remembers nothing: every run is a first run. */
export const STATELESS: TaskState = Object.freeze({
  persistent: false,
  checkpoint: async () => undefined,
  saveProgress: none,
  ledgerKeys: async () => new Set<string>(),
  pruneLedger: none,
  clearCheckpoint: none,
  openRejections: async () => [],
  clearRejections: none,
  clearEarlierRejections: none,
  loadHashes: async () => 0,
  lookupHashes: async () => new Map<string, number>(),
  sentProperties: async () => new Map<string, readonly string[]>(),
  saveHashes: none,
  deleteHashes: none,
  invalidateHashes: none,
});

/** Task state kept in the metadata store. */
export function storeSyncState(repo: SyncRepository): SyncStateSource {
  const { checkpoints, hashes, rejections } = repo;
  return {
    forTask(dagId, taskId, runId) {
      const run = /^\d+$/.test(runId) ? Number(runId) : null;
      return {
        persistent: true,
        checkpoint: () => checkpoints.get(dagId, taskId),
        saveProgress: (checkpoint, ledger) =>
          checkpoints.saveProgress(dagId, taskId, run, checkpoint, ledger),
        ledgerKeys: (fromUs) => checkpoints.ledgerKeys(dagId, taskId, fromUs),
        pruneLedger: (beforeUs) =>
          checkpoints.pruneLedger(dagId, taskId, beforeUs),
        clearCheckpoint: () => checkpoints.clear(dagId, taskId),
        openRejections: () => rejections.open(dagId, taskId),
        clearRejections: (keys, reason) =>
          rejections.clear(dagId, taskId, keys, reason, run),
        clearEarlierRejections: async () => {
          if (run !== null) await rejections.clearEarlier(dagId, taskId, run);
        },
        loadHashes: (onEntry) => hashes.load(dagId, taskId, onEntry),
        lookupHashes: (keys) => hashes.lookup(dagId, taskId, keys),
        sentProperties: (keys) => hashes.sentProperties(dagId, taskId, keys),
        saveHashes: (entries, sets) =>
          hashes.save(dagId, taskId, entries, sets),
        deleteHashes: (keys) => hashes.remove(dagId, taskId, keys),
        invalidateHashes: () => hashes.invalidate(dagId, taskId),
      };
    },
  };
}
