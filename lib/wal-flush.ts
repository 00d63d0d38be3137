// Flushes a SQLite WAL file to the device off the event loop: an fdatasync on libuv's thread pool
// instead of synchronous=FULL, which fsyncs on the event loop and stalls everything behind a busy
// SD card. One flush runs at a time; a request made meanwhile starts the next one when it returns.
// What a flush covers is taken when it starts and handed back when it succeeds, or when it fails
// (it is then retried after retryMs). Used by the edge journal and the gateway's trigger state.
//
// minIntervalMs paces flushes under load: a request made sooner than that after the last flush
// started waits for the rest of the interval, so a stream of commits shares one fsync instead of
// taking one each. An idle file is flushed at once. On this project's 2-core test machine an fsync
// costs about 250 us of CPU (kernel and thread hand-off), more than the commit it covers.
import { closeSync, fdatasync, fdatasyncSync, openSync } from "node:fs";

export type FlushFile = (fd: number, done: (err: Error | null) => void) => void;

export interface WalFlushOptions<T> {
  /** fs.fdatasync by default; tests hold it to see what waits for it. */
  flushFile?: FlushFile;
  retryMs: number;
  /** Least time between the starts of two flushes; 0 flushes every request at once. */
  minIntervalMs?: number;
  /** What the flush about to start covers. */
  take: () => T;
  done: (taken: T) => void;
  failed: (err: Error, taken: T) => void;
}

export class WalFlush<T> {
  private fd: number | undefined;
  private running = false;
  private again = false;
  private retry: NodeJS.Timeout | undefined;
  /** A request waiting out minIntervalMs. */
  private paced: NodeJS.Timeout | undefined;
  private lastStartMs = -Infinity;
  private readonly flushFile: FlushFile;

  /** Opens the WAL file (it must exist) and flushes once in line what earlier processes left unflushed. */
  constructor(walPath: string, private readonly o: WalFlushOptions<T>) {
    this.flushFile = o.flushFile ?? fdatasync;
    this.fd = openSync(walPath, "r");
    fdatasyncSync(this.fd);
  }

  /** A flush is running, waiting out minIntervalMs, or waiting to be retried. */
  get busy(): boolean {
    return this.running || this.paced !== undefined || this.retry !== undefined;
  }

  /** Starts a flush of everything written so far, or asks for one after the running one. */
  request(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    const fd = this.fd;
    if (fd === undefined || this.retry || this.paced) return;
    const waitMs = this.lastStartMs + (this.o.minIntervalMs ?? 0) - performance.now();
    if (waitMs > 0) {
      this.paced = setTimeout(() => {
        this.paced = undefined;
        this.request();
      }, waitMs);
      return;
    }
    this.lastStartMs = performance.now();
    const taken = this.o.take();
    this.running = true;
    this.flushFile(fd, (err) => {
      this.running = false;
      if (this.fd === undefined) {
        closeSync(fd); // closed meanwhile: close() flushed in line and left the descriptor to us
        return;
      }
      if (err) {
        this.retry = setTimeout(() => {
          this.retry = undefined;
          this.request();
        }, this.o.retryMs);
        this.o.failed(err, taken);
        return;
      }
      this.o.done(taken);
      if (this.again) {
        this.again = false;
        this.request();
      }
    });
  }

  /** Flushes in line: for what must be on the device when the caller returns. */
  syncNow(): void {
    if (this.fd !== undefined) fdatasyncSync(this.fd);
  }

  /** Flushes in line and closes; a flush still running closes the file when it returns. */
  close(): void {
    const fd = this.fd;
    this.fd = undefined;
    if (this.retry) clearTimeout(this.retry);
    if (this.paced) clearTimeout(this.paced);
    this.retry = this.paced = undefined;
    if (fd === undefined) return;
    fdatasyncSync(fd);
    if (!this.running) closeSync(fd);
  }
}
