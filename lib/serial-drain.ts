// A drain that runs one at a time: a call made while one runs makes it run once more after, and
// stop() waits for the running one. For outboxes that hand messages on in order (the alarm
// channels), where two concurrent drains would send the same message twice.
export class SerialDrain {
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly run: () => Promise<void>) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  drain(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.drain();
      }
    });
    return this.running;
  }

  /** No more drains; resolves once the running one is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }
}
