// Password checks off the event loop (bcrypt-thread.js), at most `maxQueued` waiting: a flood
// beyond that is answered "busy" at once instead of queueing CPU work without bound.
import { Worker } from "node:worker_threads";

export class PasswordChecker {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, (ok: boolean) => void>();

  constructor(private readonly maxQueued = 16) {}

  /** True or false once checked; undefined when too many checks are already waiting. */
  check(password: string, hash: string): Promise<boolean> | undefined {
    if (this.pending.size >= this.maxQueued) return undefined;
    const worker = this.ensureWorker();
    const id = ++this.nextId;
    return new Promise<boolean>((resolve) => {
      this.pending.set(id, resolve);
      worker.postMessage({ id, password, hash });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    for (const resolve of this.pending.values()) resolve(false);
    this.pending.clear();
    await worker?.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL("./bcrypt-thread.js", import.meta.url));
    worker.on("message", ({ id, ok }: { id: number; ok: boolean }) => {
      this.pending.get(id)?.(ok);
      this.pending.delete(id);
    });
    // A thread that dies fails what it held; the next check starts a new one.
    worker.on("error", () => undefined);
    worker.on("exit", () => {
      if (this.worker === worker) this.worker = undefined;
      for (const resolve of this.pending.values()) resolve(false);
      this.pending.clear();
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }
}
