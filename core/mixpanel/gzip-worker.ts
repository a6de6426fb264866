/**
 * gzip on a thread of its own. zlib's asynchronous API compresses on the
 * libuv pool, but each call still costs the main thread about a
 * millisecond (stream set-up, deflate initialisation, one callback and
 * copy per output chunk), which is a tenth of the main thread's work on
 * the events fast path. One worker, shared by every client of the
 * process, compresses bodies with `gzipSync` instead; the main thread
 * only posts the bytes and takes the result.
 *
 * The worker is started on first use, does not keep the process alive,
 * and is plain JavaScript (no TypeScript loader in worker threads). If it
 * can not start or dies, compression falls back to zlib's pool.
 */
import { promisify } from "node:util";
import { Worker } from "node:worker_threads";
import { gzip as gzipCallback } from "node:zlib";

const gzipOnPool = promisify(gzipCallback);

// Shared buffers are handed to the worker once ("slots") and then named
// by number: posting a shared buffer with every job costs the main thread
// milliseconds now and then (the worker registering and collecting it).
const SOURCE = `
const { parentPort } = require("node:worker_threads");
const { gzipSync } = require("node:zlib");
const slots = new Map();
parentPort.on("message", (job) => {
  if (job.register !== undefined) {
    slots.set(job.register, Buffer.from(job.shared));
    return;
  }
  if (job.forget !== undefined) {
    slots.delete(job.forget);
    return;
  }
  const { id, level } = job;
  try {
    const data =
      job.slot === undefined
        ? job.data
        : slots.get(job.slot).subarray(job.start, job.end);
    const out = gzipSync(data, { level });
    parentPort.postMessage({ id, out }, [out.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message) });
  }
});
`;

interface Pending {
  resolve: (out: Buffer) => void;
  reject: (error: Error) => void;
}

let worker: Worker | undefined;
let broken = false;
let nextId = 0;
const pending = new Map<number, Pending>();
let nextSlot = 0;
const slots = new WeakMap<SharedArrayBuffer, number>();
// A buffer the main thread dropped is dropped by the worker too.
const forget = new FinalizationRegistry<number>((slot) => {
  worker?.postMessage({ forget: slot });
});

/** The job message for `data`: a slot of shared memory, or a copy. */
function jobFor(thread: Worker, data: Buffer): Record<string, unknown> {
  const memory = data.buffer;
  if (!(memory instanceof SharedArrayBuffer)) return { data };
  let slot = slots.get(memory);
  if (slot === undefined) {
    slot = nextSlot++;
    slots.set(memory, slot);
    forget.register(memory, slot);
    thread.postMessage({ register: slot, shared: memory });
  }
  return {
    slot,
    start: data.byteOffset,
    end: data.byteOffset + data.byteLength,
  };
}

function failAll(error: Error): void {
  broken = true;
  worker = undefined;
  for (const job of pending.values()) job.reject(error);
  pending.clear();
}

function start(): Worker | undefined {
  if (process.env.BF_NO_WORKER) return undefined;
  if (worker || broken) return worker;
  try {
    const started = new Worker(SOURCE, { eval: true });
    started.unref();
    started.on(
      "message",
      (reply: { id: number; out?: Uint8Array; error?: string }) => {
        const job = pending.get(reply.id);
        pending.delete(reply.id);
        if (pending.size === 0) started.unref();
        if (!job) return;
        if (reply.out) {
          job.resolve(
            Buffer.from(
              reply.out.buffer,
              reply.out.byteOffset,
              reply.out.byteLength,
            ),
          );
        } else job.reject(new Error(`gzip failed: ${reply.error}`));
      },
    );
    started.on("error", (error) => failAll(error));
    started.on("exit", () => {
      if (worker === started) failAll(new Error("the gzip worker exited"));
    });
    worker = started;
  } catch {
    broken = true;
  }
  return worker;
}

/** Compresses `data` at `level` (1–9), off the main thread when it can. */
export async function gzipBody(data: Buffer, level: number): Promise<Buffer> {
  const thread = start();
  if (!thread) return gzipOnPool(data, { level });
  const id = nextId++;
  // While jobs are pending the worker must keep the process alive.
  if (pending.size === 0) thread.ref();
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      thread.postMessage({ id, level, ...jobFor(thread, data) });
    });
  } catch {
    return gzipOnPool(data, { level });
  }
}
