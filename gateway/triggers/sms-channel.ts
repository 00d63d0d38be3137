// An off-grid alarm channel: SMS through a GSM modem, which a village can run without the internet.
// gammu-smsd (Debian's gammu-smsd package) owns the modem and its retries on the radio side; this
// hands each alert of the configured urgencies, raised and cleared, to gammu-smsd-inject for every
// number. What is handed over is recorded per notification and number in the trigger state, so a
// failed hand-over (outbox missing, disk full) is retried and a restart sends nothing again that
// was recorded; only a crash between a hand-over and its record sends that one message twice.
import { spawn } from "node:child_process";
import type { Logger } from "pino";
import type { GatewayConfig } from "../config/schema.ts";
import type { Notification, TriggerState } from "./trigger-state.ts";
import { SerialDrain } from "../../lib/serial-drain.ts";

type SmsConfig = NonNullable<GatewayConfig["alarms"]["sms"]>;
const CHANNEL = "sms";
/** gammu-smsd-inject splits longer texts into a multipart SMS; alerts are short. */
const MAX_TEXT = 300;

export class SmsChannel {
  private readonly outbox = new SerialDrain(() => this.run());
  private retry: NodeJS.Timeout | undefined;
  private lastError: string | undefined;
  private handedOver = 0;

  constructor(private readonly o: { village: string; config: SmsConfig; state: TriggerState; log: Logger }) {}

  /** Hands over everything not yet handed over; calls made meanwhile run once more after. */
  drain(): Promise<void> {
    return this.outbox.drain();
  }

  async stop(): Promise<void> {
    clearTimeout(this.retry);
    await this.outbox.stop();
  }

  health(): { numbers: number; handedOver: number; waiting: number; lastError: string | null } {
    return { numbers: this.o.config.numbers.length, handedOver: this.handedOver, waiting: this.pending().length, lastError: this.lastError ?? null };
  }

  /** Notifications this channel sends, with the numbers each has still to go to. */
  private pending(): { n: Notification; numbers: string[] }[] {
    const { state, config } = this.o;
    const out: { n: Notification; numbers: string[] }[] = [];
    for (const n of state.notificationsAfter(state.channelStart(CHANNEL), 500)) {
      if (n.kind !== "alert-raised" && n.kind !== "alert-cleared") continue;
      const urgency = state.alert(n.ref)?.urgency;
      if (!urgency || !config.urgencies.includes(urgency)) continue;
      const numbers = config.numbers.filter((number) => !state.channelSent(CHANNEL, n.id, number));
      if (numbers.length) out.push({ n, numbers });
    }
    return out;
  }

  private async run(): Promise<void> {
    for (const { n, numbers } of this.pending()) {
      for (const number of numbers) {
        if (this.outbox.isStopped) return;
        try {
          await gammuInject(this.o.config.gammuConfig, number, `${this.o.village}: ${n.text}`.slice(0, MAX_TEXT));
        } catch (err) {
          this.lastError = `${new Date().toISOString()} ${(err as Error).message}`;
          this.o.log.warn({ err: (err as Error).message, notification: n.id, number }, "alarm SMS not handed to gammu-smsd; retried");
          clearTimeout(this.retry);
          this.retry = setTimeout(() => void this.drain(), this.o.config.retryMs);
          this.retry.unref();
          return;
        }
        this.o.state.markChannelSent(CHANNEL, n.id, number);
        this.handedOver++;
      }
    }
    this.lastError = undefined;
    // Everything up to the newest notification is handed over: later scans start there.
    const newest = this.o.state.notificationsAfter(this.o.state.channelStart(CHANNEL), 500).at(-1);
    if (newest && this.pending().length === 0) this.o.state.moveChannelStart(CHANNEL, newest.id);
  }
}

/** `gammu-smsd-inject -c <config> TEXT <number> -len <n> -text <text>`: writes it into gammu-smsd's outbox. */
function gammuInject(gammuConfig: string, number: string, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("gammu-smsd-inject", ["-c", gammuConfig, "TEXT", number, "-len", String(text.length), "-text", text], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr = (stderr + d).slice(-500)));
    child.once("error", (err) => reject(new Error(`gammu-smsd-inject: ${err.message} (install Debian's gammu-smsd)`)));
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`gammu-smsd-inject exited ${code}: ${stderr.trim().split("\n").at(-1) ?? ""}`))));
  });
}
