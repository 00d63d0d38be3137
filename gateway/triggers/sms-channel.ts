// An off-grid alarm channel: SMS through a GSM modem, which a village can run without the internet.
// gammu-smsd (Debian's gammu-smsd package) owns the modem and its retries on the radio side; this
// hands each alert of the configured urgencies, raised and cleared, to gammu-smsd-inject for every
// number. What is handed over is recorded per notification and number in the trigger state, so a
// failed hand-over (outbox missing, disk full) is retried and a restart sends nothing again that
// was recorded; only a crash between a hand-over and its record sends that one message twice.
// After the hand-over, gammu-smsd moves each message to its sent folder or, having given up on
// it, to its error folder: a message found there is counted, said in health and handed over
// again, up to MAX_ATTEMPTS. What is followed, and each message's attempts, are in the trigger
// state too: a restart follows on what was handed over before it.
import { spawn } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import type { Logger } from "pino";
import type { GatewayConfig } from "../config/schema.ts";
import type { Notification, TriggerState } from "./trigger-state.ts";
import { SerialDrain } from "../../lib/serial-drain.ts";

type SmsConfig = NonNullable<GatewayConfig["alarms"]["sms"]>;
const CHANNEL = "sms";
/** gammu-smsd-inject splits longer texts into a multipart SMS; alerts are short. */
const MAX_TEXT = 300;
/** Hand-overs of one message to one number that gammu-smsd may give up on before this does. */
const MAX_ATTEMPTS = 3;

interface HandedOver {
  notificationId: number;
  number: string;
  attempt: number;
  handedAtMs: number;
  /** Inodes of files already in the sent and error folders under this name when it was handed over. */
  before: { sent?: number; error?: number };
}

export interface SmsHealth {
  numbers: number;
  handedOver: number;
  sent: number;
  failed: number;
  /** Handed to gammu-smsd, neither sent nor given up yet; the oldest of them for how long. */
  inModem: number;
  oldestInModemMs: number | null;
  heldTooLongMs: number;
  /** Not handed over yet (gammu-smsd-inject failing), or to be handed over again. */
  waiting: number;
  lastError: string | null;
  /** What people must act on, in their words; empty when the channel works. */
  problems: string[];
}

export class SmsChannel {
  private readonly outbox = new SerialDrain(() => this.run());
  private retry: NodeJS.Timeout | undefined;
  /** Follows messages in the modem's folders; started with the first one handed over. */
  private follow: NodeJS.Timeout | undefined;
  /** The last hand-over that failed (cleared by one that works), and the last message gammu-smsd gave up on (cleared by one it sends). */
  private handOverError: string | undefined;
  private sendError: string | undefined;
  private handedOver = 0;
  private sent = 0;
  private failed = 0;
  private followed: Map<string, HandedOver> | undefined;
  private foldersRead: SmsdFolders | undefined;
  /** Read from gammu-smsd's configuration at first use, not when the gateway is put together. */
  private get folders(): SmsdFolders {
    return (this.foldersRead ??= smsdFolders(this.o.config.gammuConfig));
  }

  constructor(private readonly o: { village: string; config: SmsConfig; state: TriggerState; log: Logger }) {}

  /**
   * Outbox file name -> what it carries, until gammu-smsd has moved it to sent or error: kept in
   * the trigger state, read from it at first use (the state opens when the gateway starts).
   */
  private get awaiting(): Map<string, HandedOver> {
    if (!this.followed) {
      this.followed = this.o.state.channelFollowed<HandedOver>(CHANNEL);
      if (this.followed.size) this.startFollowing();
    }
    return this.followed;
  }

  private startFollowing(): void {
    if (!this.follow) (this.follow = setInterval(() => this.followUp(), this.o.config.retryMs)).unref();
  }

  /** Hands over everything not yet handed over; calls made meanwhile run once more after. */
  drain(): Promise<void> {
    return this.outbox.drain();
  }

  async stop(): Promise<void> {
    clearTimeout(this.retry);
    clearInterval(this.follow);
    await this.outbox.stop();
  }

  health(): SmsHealth {
    const oldest = Math.min(...[...this.awaiting.values()].map((h) => h.handedAtMs));
    const heldMs = Number.isFinite(oldest) ? Date.now() - oldest : null;
    const waiting = this.pending().length;
    const problems: string[] = [];
    if (heldMs !== null && heldMs > this.o.config.heldTooLongMs) {
      const n = this.awaiting.size;
      problems.push(`alarm SMS: ${n} message${n === 1 ? "" : "s"} held by gammu-smsd, neither sent nor given up, the oldest for ${Math.round(heldMs / 60_000)} min: check that gammu-smsd runs and the modem is attached`);
    }
    if (waiting > 0 && this.handOverError) problems.push(`alarm SMS: ${waiting} alert${waiting === 1 ? "" : "s"} not handed to gammu-smsd: ${this.handOverError}`);
    const [givenUp] = this.o.state.channelGivenUp(CHANNEL, MAX_ATTEMPTS);
    if (givenUp) problems.push(`alarm SMS to ${givenUp.recipient} not sent after ${MAX_ATTEMPTS} attempts (gammu-smsd gave up on each): check the modem, its SIM and signal`);
    return {
      numbers: this.o.config.numbers.length,
      handedOver: this.handedOver,
      sent: this.sent,
      failed: this.failed,
      inModem: this.awaiting.size,
      oldestInModemMs: heldMs,
      heldTooLongMs: this.o.config.heldTooLongMs,
      waiting,
      lastError: this.handOverError ?? this.sendError ?? null,
      problems,
    };
  }

  /** What gammu-smsd did with each message handed over: sent, or given up (then handed over again). */
  private followUp(): void {
    let again = false;
    for (const [file, h] of this.awaiting) {
      if (this.folders.sent && arrived(join(this.folders.sent, file), h.before.sent)) {
        this.awaiting.delete(file);
        this.o.state.unfollowChannel(CHANNEL, file);
        this.sent++;
        this.sendError = undefined;
        this.o.state.forgetChannelGivenUp(CHANNEL, MAX_ATTEMPTS);
      } else if (this.folders.error && arrived(join(this.folders.error, file), h.before.error)) {
        this.awaiting.delete(file);
        this.failed++;
        const retried = h.attempt < MAX_ATTEMPTS;
        this.sendError = `${new Date().toISOString()} gammu-smsd could not send the alarm SMS to ${h.number} (attempt ${h.attempt} of ${MAX_ATTEMPTS}; ${join(this.folders.error, file)})${retried ? "; handed over again" : "; given up: check the modem, its SIM and signal"}`;
        this.o.log.warn({ notification: h.notificationId, number: h.number, attempt: h.attempt, file }, retried ? "alarm SMS failed in gammu-smsd; handed over again" : "alarm SMS failed in gammu-smsd; given up");
        // One transaction: a crash leaves the message either followed or to be handed over again.
        this.o.state.transaction(() => {
          this.o.state.unfollowChannel(CHANNEL, file);
          this.o.state.setChannelAttempt(CHANNEL, h.notificationId, h.number, h.attempt + 1);
          if (retried) this.o.state.unmarkChannelSent(CHANNEL, h.notificationId, h.number);
        });
        again ||= retried;
      }
    }
    if (again) void this.drain();
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
        let file: string | undefined;
        try {
          file = await gammuInject(this.o.config.gammuConfig, number, `${this.o.village}: ${n.text}`.slice(0, MAX_TEXT));
        } catch (err) {
          this.handOverError = `${new Date().toISOString()} ${(err as Error).message}`;
          this.o.log.warn({ err: (err as Error).message, notification: n.id, number }, "alarm SMS not handed to gammu-smsd; retried");
          clearTimeout(this.retry);
          this.retry = setTimeout(() => void this.drain(), this.o.config.retryMs);
          this.retry.unref();
          return;
        }
        this.handedOver++;
        // Followed only where gammu-smsd keeps files (its files service) in folders its configuration names.
        const followed = file && this.folders.sent && this.folders.error ? file : undefined;
        let handed: HandedOver | undefined;
        if (followed) {
          let before = { sent: inode(join(this.folders.sent!, followed)), error: inode(join(this.folders.error!, followed)) };
          // Taken from the outbox already: what is under its name now is this message.
          if (this.folders.outbox && inode(join(this.folders.outbox, followed)) === undefined) before = { sent: undefined, error: undefined };
          handed = { notificationId: n.id, number, attempt: this.o.state.channelAttempt(CHANNEL, n.id, number), handedAtMs: Date.now(), before };
          this.awaiting.set(followed, handed);
        }
        this.o.state.transaction(() => {
          this.o.state.markChannelSent(CHANNEL, n.id, number);
          if (followed) this.o.state.followChannel(CHANNEL, followed, handed);
        });
        if (followed) this.startFollowing();
      }
    }
    // Everything up to the newest notification is handed over: later scans start there, but not
    // past a message gammu-smsd may still give up on (it would not be found to hand over again).
    const newest = this.o.state.notificationsAfter(this.o.state.channelStart(CHANNEL), 500).at(-1);
    const followed = Math.min(Infinity, ...[...this.awaiting.values()].map((h) => h.notificationId - 1));
    if (newest && this.pending().length === 0) {
      const upTo = Math.min(newest.id, followed);
      if (upTo > this.o.state.channelStart(CHANNEL)) this.o.state.moveChannelStart(CHANNEL, upTo);
    }
    this.handOverError = undefined;
  }
}

function inode(path: string): number | undefined {
  return statSync(path, { throwIfNoEntry: false })?.ino;
}

/**
 * Whether gammu-smsd has moved a message to `path`. gammu-smsd-inject names a message by the
 * second it was written, so one handed over again within that second carries the name of the
 * one given up on, still in the error folder: only a file other than the one there before counts.
 */
function arrived(path: string, before: number | undefined): boolean {
  const now = inode(path);
  return now !== undefined && now !== before;
}

/** gammu-smsd's outbox, sent and error folders, from its configuration file's [smsd] section (files service). */
type SmsdFolders = { outbox?: string; sent?: string; error?: string };

function smsdFolders(gammuConfig: string): SmsdFolders {
  let text = "";
  try {
    text = readFileSync(gammuConfig, "utf8");
  } catch {
    return {}; // read again by gammu-smsd-inject, whose failure is reported as a hand-over error
  }
  const section = /^\[smsd\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/im.exec(text)?.[1] ?? "";
  const key = (name: string) => new RegExp(`^\\s*${name}\\s*=\\s*(.+?)\\s*$`, "im").exec(section)?.[1];
  return { outbox: key("outboxpath"), sent: key("sentsmspath"), error: key("errorsmspath") };
}

/**
 * `gammu-smsd-inject -c <config> TEXT <number> -len <n> -text <text>`: writes it into gammu-smsd's
 * outbox. Resolves with the outbox file's name ("Written message with ID <path>"), if it said one.
 */
function gammuInject(gammuConfig: string, number: string, text: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn("gammu-smsd-inject", ["-c", gammuConfig, "TEXT", number, "-len", String(text.length), "-text", text], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let stdout = "";
    child.stdout!.on("data", (d) => (stdout = (stdout + d).slice(-2000)));
    child.stderr!.on("data", (d) => (stderr = (stderr + d).slice(-500)));
    child.once("error", (err) => reject(new Error(`gammu-smsd-inject: ${err.message} (install Debian's gammu-smsd)`)));
    child.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`gammu-smsd-inject exited ${code}: ${stderr.trim().split("\n").at(-1) ?? ""}`));
      const id = /Written message with ID (.+)$/m.exec(stdout)?.[1]?.trim();
      resolve(id ? basename(id) : undefined);
    });
  });
}
