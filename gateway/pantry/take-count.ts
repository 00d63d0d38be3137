// A kitchen's count from the API or a dashboard form: validated, stored as a reading of the
// gateway's own device, and seen by the reserves and the triggers at once.
import { CsError } from "../../protocol/errors.ts";
import type { StoredReading } from "../store/store.ts";
import { pantryCountReading } from "./counts.ts";

export class PantryCountTaker {
  private lastSeq = 0;

  constructor(
    private readonly o: {
      staples: () => readonly string[];
      countHoldsHours: number;
      store: (readings: StoredReading[]) => Promise<void>;
      evaluate: () => void;
      /** The gateway's clock, as the reserves use: a count's age is measured on it. */
      now: () => number;
    },
  ) {}

  async take(body: unknown): Promise<StoredReading & { standsUntil: string }> {
    const now = this.o.now();
    // Sequence numbers from the clock, never repeated: a restart does not reuse one.
    const seq = (this.lastSeq = Math.max(this.lastSeq + 1, now));
    const reading = pantryCountReading(body, this.o.staples(), seq, now);
    try {
      await this.o.store([reading]);
    } catch (err) {
      throw new CsError("CS_ERR_STORE_UNAVAILABLE", `the count was not saved, enter it again later: ${(err as Error).message}`);
    }
    this.o.evaluate();
    return { ...reading, standsUntil: new Date(reading.ts + this.o.countHoldsHours * 3_600_000).toISOString() };
  }
}
