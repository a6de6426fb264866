/**
 * User and group profiles, by difference. Each mapped profile is hashed;
 * a profile whose hash equals the one Mixpanel last acknowledged is not
 * sent. The stored hash changes only when every update of the profile was
 * acknowledged, so a refused or interrupted profile is sent again next run.
 *
 * NULLs: a property that is NULL now and that this task sent before (the
 * profile's last acknowledged property set) is unset with `$unset`; a NULL
 * this task never sent leaves whatever Mixpanel holds alone. With
 * `ignoreNulls` nothing is ever unset.
 *
 * A full read loads every stored hash at once (COPY, a number per
 * profile) and learns which profiles left the query, for mirror mode; a
 * partial read (cursor, interval) looks hashes up page by page.
 */
import type {
  GroupProfilesTask,
  UserProfilesTask,
} from "../builder/dag-definition.ts";
import { compileMapper } from "../mapping/compile-mapper.ts";
import {
  splitOperations,
  type MapResult,
  type ProfileUpdate as MappedUpdate,
  type RowMapper,
} from "../mapping/map-result.ts";
import type { MixpanelSender } from "../mixpanel/sender.ts";
import type { BatchAck, ProfileUpdate } from "../mixpanel/types.ts";
import { deleteUpdate, mirrorRefusal } from "./mirror.ts";
import { HashIndex } from "./hash-index.ts";
import { profileHash, propertySetKey } from "./profile-hash.ts";
import {
  mappingRejected,
  nullCursorRejected,
  recordRejected,
} from "./rejections.ts";
import type { RejectedRow, SyncTaskIo } from "./sync-io.ts";
import {
  SyncRun,
  type Admitted,
  type Pass,
  type Row,
  type Tracked,
} from "./sync-run.ts";
import type { ProfileHashEntry, PropertySet } from "./task-state.ts";

type ProfilesTask = UserProfilesTask | GroupProfilesTask;

interface ProfileItem extends Tracked {
  /** Updates of the profile not yet acknowledged. */
  parts: number;
  failed: boolean;
  readonly hash: number;
  readonly props: PropertySet;
  /** A mirror-mode `$delete`. */
  readonly remove: boolean;
  readonly record: unknown;
}

const NO_PROPERTIES: PropertySet = Object.freeze({ propsKey: 0, names: [] });

interface Candidate {
  item: Admitted;
  update: MappedUpdate;
  nulls: readonly string[] | undefined;
  hash: number;
  /** The stored hash; undefined for a profile never sent. */
  previous: number | undefined;
}

export class ProfilesRun extends SyncRun {
  readonly #task: ProfilesTask;
  readonly #map: RowMapper<MappedUpdate>;
  readonly #sender: MixpanelSender<ProfileUpdate, ProfileItem>;
  /** Every stored hash, on a full read; rows mark theirs seen. */
  #known: HashIndex | undefined;
  #hashes: ProfileHashEntry[] = [];
  #sets = new Map<number, PropertySet>();
  readonly #writtenSets = new Set<number>();
  readonly #setsByNames = new Map<string, PropertySet>();
  #deletes: string[] = [];
  /** The stored hash of the row being mapped, when known before mapping. */
  #expected: number | undefined;
  /** The hash the mapper's `acknowledged` computed for that row. */
  #mappedHash: number | undefined;

  constructor(task: ProfilesTask, io: SyncTaskIo) {
    super(task, io);
    this.#task = task;
    this.#map = compileMapper(task, {
      token: io.client.connection.token,
      acknowledged: (record) => {
        if (this.#expected === undefined) return false;
        this.#mappedHash = profileHash(record);
        return this.#mappedHash === this.#expected;
      },
    }) as RowMapper<MappedUpdate>;
    const kind = task.kind === "userProfiles" ? "users" : "groups";
    this.#sender = io.client.createSender<ProfileItem>(kind, {
      // No signal: a stop lets the batches in flight finish (SyncRun
      // aborts the sender itself on a failure).
      onBatch: (ack) => this.#onBatch(ack),
    });
  }

  protected override async refresh(): Promise<void> {
    await super.refresh();
    await this.state.invalidateHashes();
  }

  protected override async prepare(): Promise<void> {
    if (this.plan.mode !== "full") return;
    const known = new HashIndex();
    await this.state.loadHashes((key, hash) => known.add(key, hash));
    this.#known = known;
  }

  protected async handlePage(rows: Row[], pass: Pass): Promise<void> {
    const rejected: Array<{ row: Tracked; rejected: RejectedRow }> = [];
    const candidates: Candidate[] = [];
    const keyColumn = this.plan.key.column;
    const known = this.#known;

    for (const row of rows) {
      const item = this.admit(row, pass);
      if (!item) continue;
      // Seen, even when rejected below: the row exists, so mirror mode
      // keeps its profile.
      const previous =
        known && item.key !== null ? known.take(item.key) : undefined;
      if (item.cursorNull) {
        const why = nullCursorRejected(
          item.key,
          keyColumn,
          this.plan.cursor!.column,
        );
        rejected.push({ row: item, rejected: why });
        continue;
      }
      this.#expected = previous;
      this.#mappedHash = undefined;
      const mapped = this.#map(row) as MapResult<MappedUpdate>;
      if (!mapped.ok) {
        const why = mappingRejected(row, keyColumn, item.key, mapped.rejection);
        rejected.push({ row: item, rejected: why });
        continue;
      }
      candidates.push({
        item,
        update: mapped.record,
        nulls: mapped.nullProperties,
        hash: this.#mappedHash ?? profileHash(mapped.record),
        previous,
      });
    }

    if (!known) {
      const stored = await this.state.lookupHashes(
        candidates.map((c) => c.item.key!),
      );
      for (const c of candidates) c.previous = stored.get(c.item.key!);
    }
    const changed = candidates.filter((c) => {
      if (c.previous !== c.hash) return true;
      // Mixpanel already holds exactly this profile.
      this.settled(c.item.key);
      this.finishRow(c.item);
      return false;
    });
    const sent = await this.state.sentProperties(
      changed
        .filter((c) => c.nulls && c.previous !== undefined)
        .map((c) => c.item.key!),
    );
    for (const c of changed) {
      await this.#send(c, sent.get(c.item.key!));
    }
    await this.reject(rejected);
  }

  async #send(c: Candidate, sent: readonly string[] | undefined) {
    const names = Object.keys(c.update.$set ?? {});
    const props = this.#propertySet(names);
    let updates: ProfileUpdate[] = splitOperations(c.update);
    const unset = sent ? (c.nulls ?? []).filter((n) => sent.includes(n)) : [];
    if (unset.length > 0) {
      const { $set: _set, $set_once: _once, ...identity } = c.update;
      // An empty `$set` beside the `$unset` would say nothing.
      if (names.length === 0) updates = updates.filter((u) => !("$set" in u));
      updates.push({ ...identity, $unset: unset });
    }
    const item: ProfileItem = {
      index: c.item.index,
      key: c.item.key,
      position: c.item.position,
      parts: updates.length,
      failed: false,
      hash: c.hash,
      props,
      remove: false,
      record: c.update,
    };
    for (const update of updates) await this.#sender.push(update, item);
  }

  /** The set of names, computed once per distinct list in a run. */
  #propertySet(names: string[]): PropertySet {
    const id = names.join("\u0000");
    let set = this.#setsByNames.get(id);
    if (!set) {
      set = { propsKey: propertySetKey(names), names };
      this.#setsByNames.set(id, set);
    }
    return set;
  }

  async #onBatch(ack: BatchAck<ProfileItem>): Promise<void> {
    this.counters.recordsSent += ack.delivered.length;
    const rejected: RejectedRow[] = [];
    for (const r of ack.rejected) {
      const item = r.key;
      if (item.failed) continue; // one rejection per profile
      item.failed = true;
      rejected.push(recordRejected(r, item.key, item.record));
    }
    if (rejected.length > 0) {
      // Stored before the profile may finish (see SyncRun.reject).
      this.counters.rejected += rejected.length;
      await this.io.onRejected(rejected);
      for (const r of ack.rejected) {
        if (r.key.key !== null) this.open.delete(r.key.key);
      }
    }
    for (const item of ack.keys) {
      if (--item.parts === 0) this.#done(item);
    }
    await this.commit.flush();
  }

  #done(item: ProfileItem): void {
    if (!item.failed && item.key !== null) {
      if (item.remove) {
        this.#deletes.push(item.key);
      } else {
        this.#hashes.push({
          key: item.key,
          hash: item.hash,
          propsKey: item.props.propsKey,
        });
        if (!this.#writtenSets.has(item.props.propsKey)) {
          this.#sets.set(item.props.propsKey, item.props);
        }
        this.settled(item.key);
      }
    }
    this.finishRow(item);
  }

  protected override takeWrites(): () => Promise<void> {
    const hashes = this.#hashes;
    const sets = [...this.#sets.values()];
    const deletes = this.#deletes;
    this.#hashes = [];
    this.#sets = new Map();
    this.#deletes = [];
    for (const set of sets) this.#writtenSets.add(set.propsKey);
    return async () => {
      await this.state.saveHashes(hashes, sets);
      await this.state.deleteHashes(deletes);
    };
  }

  /** Mirror mode: deletes the profiles whose rows are gone. */
  protected override async afterMain(): Promise<void> {
    const mirror = this.#task.mirror;
    if (!mirror || !this.#known) return;
    const gone = this.#known.unseen();
    if (gone.length === 0) return;
    const refusal = mirrorRefusal(this.#task, mirror, {
      known: this.#known.size,
      gone: gone.length,
      rowsRead: this.counters.rowsRead,
    });
    if (refusal) {
      // The run's upserts still count; only the deletions are refused.
      await this.flushSender();
      await this.commit.flush();
      throw refusal;
    }
    for (const key of gone) {
      const item: ProfileItem = {
        index: -1,
        key,
        position: undefined,
        parts: 1,
        failed: false,
        hash: 0,
        props: NO_PROPERTIES,
        remove: true,
        record: undefined,
      };
      await this.#sender.push(deleteUpdate(this.#task, key), item);
    }
  }

  protected async flushSender(): Promise<void> {
    await this.#sender.flush();
  }

  protected async abortSender(reason: unknown): Promise<void> {
    await this.#sender.abort(reason);
  }
}
