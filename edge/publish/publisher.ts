// Sends journalled readings to the gateway and removes them when the gateway acknowledges them.
// Live readings go out as soon as they are committed; older ones (the backlog after an outage,
// or readings whose acknowledgement timed out) are replayed in sequence order at a bounded rate,
// beside the live stream, so a long backlog never starves fresh figures.
import mqtt, { type MqttClient } from "mqtt";
import type { Logger } from "pino";
import { ackSchema, type DeviceStatus, type Reading } from "../../protocol/payloads.ts";
import { deviceTopic } from "../../protocol/topics.ts";
import { parsePayload } from "../../protocol/parse-payload.ts";
import { type CommandReply } from "../../protocol/commands.ts";
import type { Journal } from "../journal/journal.ts";

export interface PublisherOptions {
  device: string;
  gatewayUrl: string;
  /** For an mqtts:// gateway: the CA certificate (PEM) its broker's certificate is checked against. */
  ca?: Buffer;
  journal: Journal;
  log: Logger;
  username?: string;
  password?: string;
  /** Backlog replay rate, readings per second. */
  replayRatePerSec?: number;
  /** Readings per MQTT message when replaying. */
  replayBatch?: number;
  /** Unacknowledged readings are resent after this long (the gateway may have lost them). */
  ackTimeoutMs?: number;
  /** Backlog replay pauses while this many readings are awaiting acknowledgement. */
  maxInFlight?: number;
  reconnectPeriodMs?: number;
  /** What a person should check on this device, sent with each status. */
  warnings?: () => string[];
  /** The outputs' states, for the status (none on a board without outputs). */
  outputs?: () => DeviceStatus["outputs"];
}

interface InFlight {
  lastSeq: number;
  count: number;
  sentAtMs: number;
}

const TICK_MS = 100;

export class Publisher {
  private readonly o: Required<Omit<PublisherOptions, "username" | "password" | "warnings" | "outputs" | "ca">> & Pick<PublisherOptions, "username" | "password" | "warnings" | "outputs" | "ca">;
  private client: MqttClient | undefined;
  private tick: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Every seq below this is backlog; at or above it, live. */
  private liveStart = 1;
  /** Backlog already sent up to here in this round. */
  private backlogCursor = 0;
  /**
   * The round's backlog is all sent: no reading below liveStart can join it until the next round,
   * so the journal is not asked again every tick (that query cost most of an idle agent's CPU).
   */
  private backlogSent = false;
  private readonly inFlight = new Map<number, InFlight>();
  private replayCredit = 0;
  private readonly onCommitted = (readings: Reading[], json: string) => this.sendLive(readings, json);
  private readonly onCorrected = () => this.restartRound("clock corrected");
  acknowledged = 0;
  /** Commands from the gateway arrive here (the agent's command handler). */
  onCommand: ((payload: Buffer) => void) | undefined;

  constructor(options: PublisherOptions) {
    this.o = {
      replayRatePerSec: 500,
      replayBatch: 100,
      ackTimeoutMs: 15_000,
      maxInFlight: 2_000,
      reconnectPeriodMs: 1_000,
      ...options,
    };
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  start(): void {
    const { device, journal } = this.o;
    const statusTopic = deviceTopic("status", device);
    this.client = mqtt.connect(this.o.gatewayUrl, {
      clientId: device,
      username: this.o.username,
      password: this.o.password,
      clean: true,
      ...(this.o.ca ? { ca: this.o.ca, rejectUnauthorized: true } : {}),
      reconnectPeriod: this.o.reconnectPeriodMs,
      connectTimeout: 10_000,
      // mqtt-packet otherwise keeps a 2-byte Buffer for each of the 65,536 packet ids: 6.3 MB of
      // a 20 MB heap on a Pi, walked by every full GC, to save an allocation per packet.
      writeCache: false,
      will: { topic: statusTopic, payload: Buffer.from(JSON.stringify({ device, online: false, ts: Date.now() })), qos: 1, retain: true },
    });
    this.client.on("connect", () => {
      this.o.log.info({ gateway: this.o.gatewayUrl }, "connected to gateway");
      this.client!.subscribe([deviceTopic("ack", device), deviceTopic("commands", device)], { qos: 1 });
      this.publishStatus(true);
      this.restartRound("connected");
    });
    this.client.on("message", (topic, payload) => {
      if (topic === deviceTopic("commands", device)) this.onCommand?.(payload);
      else this.onAck(topic, payload);
    });
    this.client.on("error", (err) => this.o.log.warn({ err: err.message }, "gateway connection error"));
    this.client.on("offline", () => this.o.log.warn("gateway unreachable; readings wait in the journal"));
    journal.on("committed", this.onCommitted);
    journal.on("corrected", this.onCorrected);
    this.ticking();
  }

  /**
   * The tick replays the backlog and watches for acknowledgements that do not come; with neither
   * to do it stops (an idle agent on a Pi's core woke ten times a second for nothing), and
   * starts again with the next batch sent or the next round.
   */
  private ticking(): void {
    if (!this.stopped) this.tick ??= setInterval(() => this.onTick(), TICK_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.tick);
    this.o.journal.off("committed", this.onCommitted);
    this.o.journal.off("corrected", this.onCorrected);
    const client = this.client;
    this.client = undefined;
    if (client) {
      if (client.connected) await this.publishStatusAsync(client, false).catch(() => undefined);
      await client.endAsync(true);
    }
  }

  /** Answers a command; lost if the link is down, which the gateway's audit log then shows. */
  reply(reply: CommandReply): void {
    this.client?.publish(deviceTopic("command-replies", this.o.device), JSON.stringify(reply), { qos: 1 });
  }

  publishStatus(online: boolean): void {
    if (this.client?.connected) void this.publishStatusAsync(this.client, online).catch(() => undefined);
  }

  /** Everything unacknowledged becomes backlog and is replayed from the journal in order. */
  private restartRound(reason: string): void {
    this.inFlight.clear();
    this.liveStart = this.o.journal.nextSeq;
    this.backlogCursor = 0;
    this.backlogSent = false;
    this.ticking();
    this.o.log.debug({ reason, liveStart: this.liveStart }, "replay round started");
  }

  /** `json` is the journal's serialisation of `readings`, sent as is when all of them are live. */
  private sendLive(readings: Reading[], json: string): void {
    if (!this.client?.connected) return;
    if (readings[0].seq >= this.liveStart) this.send(readings, json);
    else {
      const live = readings.filter((r) => r.seq >= this.liveStart);
      if (live.length) this.send(live);
    }
  }

  private onTick(): void {
    const now = Date.now();
    for (const batch of this.inFlight.values()) {
      if (now - batch.sentAtMs > this.o.ackTimeoutMs) {
        this.o.log.warn({ timeoutMs: this.o.ackTimeoutMs }, "no acknowledgement from gateway; resending");
        this.restartRound("ack timeout");
        break;
      }
    }
    if (!this.client?.connected) return;
    this.replayCredit = Math.min(this.o.replayBatch * 2, this.replayCredit + (this.o.replayRatePerSec * TICK_MS) / 1000);
    while (!this.backlogSent && this.replayCredit >= 1 && this.inFlightCount() < this.o.maxInFlight) {
      const limit = Math.min(this.o.replayBatch, Math.floor(this.replayCredit));
      const backlog = this.o.journal.pending(this.backlogCursor, this.liveStart, limit);
      if (backlog.length === 0) {
        // Readings not yet on the device are held back by pending(): the backlog is complete only
        // once everything below liveStart is durable.
        this.backlogSent = this.o.journal.durableThrough >= this.liveStart - 1;
        break;
      }
      this.backlogCursor = backlog[backlog.length - 1].seq;
      this.replayCredit -= backlog.length;
      this.send(backlog);
    }
    if (this.backlogSent && this.inFlight.size === 0) {
      clearInterval(this.tick);
      this.tick = undefined;
    }
  }

  private send(readings: Reading[], json = JSON.stringify(readings)): void {
    const payload = `{"device":${JSON.stringify(this.o.device)},"readings":${json}}`;
    const first = readings[0].seq;
    this.inFlight.set(first, { lastSeq: readings[readings.length - 1].seq, count: readings.length, sentAtMs: Date.now() });
    this.ticking();
    this.client!.publish(deviceTopic("readings", this.o.device), payload, { qos: 0 }, (err) => {
      if (err) this.o.log.debug({ err: err.message }, "publish failed; will replay");
    });
  }

  private onAck(topic: string, payload: Buffer): void {
    if (topic !== deviceTopic("ack", this.o.device)) return;
    const parsed = parsePayload(ackSchema, payload);
    if (!parsed?.success) {
      this.o.log.warn({ topic }, "malformed acknowledgement ignored");
      return;
    }
    this.o.journal.acknowledge(parsed.data.ranges);
    for (const [from, to] of parsed.data.ranges) {
      this.acknowledged += to - from + 1;
      for (const [first, batch] of this.inFlight) {
        if (first >= from && batch.lastSeq <= to) this.inFlight.delete(first);
      }
    }
  }

  private inFlightCount(): number {
    let n = 0;
    for (const b of this.inFlight.values()) n += b.count;
    return n;
  }

  private async publishStatusAsync(client: MqttClient, online: boolean): Promise<void> {
    const stats = this.o.journal.stats();
    const status = {
      device: this.o.device,
      online,
      ts: Date.now(),
      journal: { pending: stats.pending, overflowDropped: stats.overflowDropped, unkept: stats.unkept, bytes: stats.bytes },
      warnings: (this.o.warnings?.() ?? []).slice(0, 50).map((w) => w.slice(0, 200)),
      outputs: this.o.outputs?.(),
    };
    await client.publishAsync(deviceTopic("status", this.o.device), JSON.stringify(status), { qos: 1, retain: true });
  }
}
