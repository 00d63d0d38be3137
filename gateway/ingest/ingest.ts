// Ingest: validates every readings message before anything is written, drops duplicates by
// (device, seq), writes in batches (at most maxBatchPoints or flushMs) and only after the store has
// them sends the application-level acknowledgement. While the store is down nothing is acknowledged,
// so readings wait in the edge journals instead of being dropped. A batch the store refused is held
// (up to maxHeldPoints) and retried every retryMs, so the backlog drains as soon as the store is
// back instead of after the edges' acknowledgement timeout; what does not fit is left to the edges.
import type { AedesPublishPacket, Client } from "aedes";
import type { Logger } from "pino";
import { isCsError, type ErrorCode } from "../../protocol/errors.ts";
import { deviceStatusSchema } from "../../protocol/payloads.ts";
import { SeqRangeSet, toRanges, type SeqRange } from "../../protocol/seq-ranges.ts";
import { deviceTopic, parseDeviceTopic } from "../../protocol/topics.ts";
import type { Bus } from "../bus.ts";
import type { Store, StoredReading } from "../store/store.ts";
import type { DeviceRegistry } from "./device-registry.ts";
import type { Broker } from "../broker/broker.ts";
import { validateReadings } from "./validate.ts";
import { parsePayload } from "../../protocol/parse-payload.ts";
import type { DeviceStatus } from "../../protocol/payloads.ts";

export interface IngestOptions {
  broker: Broker;
  store: Store;
  registry: DeviceRegistry;
  bus: Bus;
  log: Logger;
  maxBatchPoints: number;
  flushMs: number;
  maxPayloadBytes: number;
  /** Readings held in memory for retry while the store is down. */
  maxHeldPoints: number;
  /** Pause between write attempts while the store is down. */
  retryMs: number;
}

export interface IngestCounters {
  accepted: number;
  duplicates: number;
  stored: number;
  rejected: Partial<Record<ErrorCode, number>>;
  writeFailures: number;
  /** Readings not taken in while the store was down and the held batch full: the edges resend them. */
  deferred: number;
  lastWriteError?: string;
}

export class Ingest {
  readonly counters: IngestCounters = { accepted: 0, duplicates: 0, stored: 0, rejected: {}, writeFailures: 0, deferred: 0 };
  readonly devices = new Map<string, DeviceStatus>();
  /** Set while the store refuses writes; cleared by the next write it takes. */
  refusingWrites: { sinceMs: number; error: string } | undefined;
  private readonly o: IngestOptions;
  private readonly storedSeqs = new Map<string, SeqRangeSet>();
  private pending: StoredReading[] = [];
  /** Sequence numbers waiting in the batch, per device: as ranges, a Set's hashing showed in profiles. */
  private readonly pendingSeqs = new Map<string, SeqRangeSet>();
  private timer: NodeJS.Timeout | undefined;
  private eager: NodeJS.Immediate | undefined;
  private writing: Promise<void> | undefined;
  /** Set while the store is down: the next attempt waits for this timer. */
  private retry: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(options: IngestOptions) {
    this.o = options;
  }

  async start(): Promise<void> {
    this.unsubscribe = this.o.broker.onClientPublish((packet, client) => this.handle(packet, client));
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    do await this.flush();
    while (this.pending.length > 0 && !this.retry);
    // Whatever the store still refuses stays in the edge journals, unacknowledged.
    for (const t of [this.retry, this.timer]) if (t) clearTimeout(t);
    this.retry = this.timer = undefined;
  }

  /** Writes what is buffered now; resolves when the store has answered. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.writing) await this.writing;
    if (this.pending.length === 0) return;
    if (this.retry) clearTimeout(this.retry);
    this.retry = undefined;
    // What was held while the store was down may exceed one batch: write it batch by batch.
    const batch = this.pending.slice(0, this.o.maxBatchPoints);
    this.pending = this.pending.slice(this.o.maxBatchPoints);
    if (this.pending.length === 0) this.pendingSeqs.clear();
    else for (const [device, seqs] of seqsByDevice(batch)) for (const [from, to] of toRanges(seqs)) this.pendingSeqs.get(device)?.delete(from, to);
    this.writing = this.write(batch).finally(() => {
      this.writing = undefined;
      if (this.pending.length > 0 && !this.retry) void this.flush();
    });
    await this.writing;
  }

  /**
   * Readings the gateway takes itself (a kitchen's count): stored like any other and announced,
   * resolved once the store has them.
   */
  async acceptLocal(readings: StoredReading[]): Promise<void> {
    while (this.writing) await this.writing;
    // Stored first: a count the store refused must not show in the figures as if it were kept.
    await this.o.store.write(readings);
    this.counters.accepted += readings.length;
    this.counters.stored += readings.length;
    this.o.bus.emit("readings", readings);
    this.o.bus.emit("stored", readings);
  }

  private handle(packet: AedesPublishPacket, client: Client): void {
    const parsed = parseDeviceTopic(packet.topic);
    if (!parsed) return;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    if (parsed.kind === "status") this.handleStatus(parsed.device, payload, client);
    else if (parsed.kind === "readings") this.handleReadings(parsed.device, payload, client);
  }

  private handleReadings(device: string, payload: Buffer, client: Client): void {
    let readings: StoredReading[];
    try {
      readings = validateReadings(device, payload, this.o.registry, this.o.maxPayloadBytes);
    } catch (err) {
      if (!isCsError(err)) throw err;
      this.reject(err.code, err.message, client.id, deviceTopic("readings", device));
      return;
    }
    if (this.retry && this.pending.length + readings.length > this.o.maxHeldPoints) {
      this.counters.deferred += readings.length; // still in the edge's journal; it resends unacknowledged readings
      return;
    }
    const stored = this.storedSeqs.get(device);
    let pending = this.pendingSeqs.get(device);
    if (!pending) this.pendingSeqs.set(device, (pending = new SeqRangeSet()));
    let fresh: StoredReading[] = [];
    const alreadyStored: number[] = [];
    let ascending = true;
    for (const r of readings) {
      if (stored?.has(r.seq)) alreadyStored.push(r.seq);
      else if (!pending.has(r.seq)) {
        ascending &&= fresh.length === 0 || r.seq > fresh[fresh.length - 1].seq;
        fresh.push(r);
      }
    }
    // A message that names a reading twice stores the first: only a message out of order can.
    if (!ascending) {
      const seen = new Set<number>();
      fresh = fresh.filter((r) => !seen.has(r.seq) && seen.add(r.seq));
    }
    for (const [from, to] of toRanges(fresh.map((r) => r.seq))) pending.add(from, to);
    this.counters.duplicates += readings.length - fresh.length;
    // The edge resent what we already have: our acknowledgement was lost, so send it again.
    if (alreadyStored.length) this.acknowledge(device, toRanges(alreadyStored));
    if (fresh.length === 0) return;
    this.counters.accepted += fresh.length;
    this.o.bus.emit("readings", fresh);
    this.pending.push(...fresh);
    if (this.retry) return; // the store is down: the retry timer writes everything held
    if (this.pending.length >= this.o.maxBatchPoints) void this.flush();
    else if (!this.writing && !this.eager) {
      // Group commit: an idle store writes at once (after this tick's messages have joined);
      // a busy one lets the batch grow until the write in flight is done, or flushMs passes.
      this.eager = setImmediate(() => {
        this.eager = undefined;
        void this.flush();
      });
    }
    if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.o.flushMs);
  }

  private handleStatus(device: string, payload: Buffer, client: Client): void {
    const status = parsePayload(deviceStatusSchema, payload);
    if (!status?.success || status.data.device !== device) {
      this.reject("CS_ERR_PAYLOAD_SCHEMA", "device status does not match its schema", client.id, deviceTopic("status", device));
      return;
    }
    this.devices.set(device, status.data);
    this.o.bus.emit("deviceStatus", status.data);
  }

  private async write(batch: StoredReading[]): Promise<void> {
    try {
      await this.o.store.write(batch);
    } catch (err) {
      this.counters.writeFailures++;
      this.counters.lastWriteError = (err as Error).message;
      this.refusingWrites = { sinceMs: this.refusingWrites?.sinceMs ?? Date.now(), error: (err as Error).message };
      this.o.log.warn({ points: batch.length, err: (err as Error).message }, "store write failed; not acknowledging, holding the batch for retry");
      this.hold(batch);
      return;
    }
    this.counters.stored += batch.length;
    this.refusingWrites = undefined;
    for (const [device, seqs] of seqsByDevice(batch)) {
      const set = this.storedSeqs.get(device) ?? new SeqRangeSet();
      const ranges = toRanges(seqs);
      for (const [from, to] of ranges) set.add(from, to);
      this.storedSeqs.set(device, set);
      this.acknowledge(device, ranges);
    }
    this.o.bus.emit("stored", batch);
  }

  /** Puts a refused batch back in front of what arrived meanwhile and retries after retryMs. */
  private hold(batch: StoredReading[]): void {
    const room = this.o.maxHeldPoints - this.pending.length;
    const kept = room >= batch.length ? batch : batch.slice(0, Math.max(0, room));
    this.counters.deferred += batch.length - kept.length;
    for (const [device, seqs] of seqsByDevice(kept)) {
      let pending = this.pendingSeqs.get(device);
      if (!pending) this.pendingSeqs.set(device, (pending = new SeqRangeSet()));
      for (const [from, to] of toRanges(seqs)) pending.add(from, to);
    }
    this.pending = kept.concat(this.pending);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.retry) clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.flush();
    }, this.o.retryMs);
  }

  private acknowledge(device: string, ranges: SeqRange[]): void {
    const payload = JSON.stringify({ device, ranges });
    // QoS 0 (protocol/topics.ts): a lost acknowledgement is made good by the edge's resend.
    this.o.broker.publish(deviceTopic("ack", device), payload, { qos: 0 }, (err) => {
      if (err) this.o.log.warn({ device, err: err.message }, "acknowledgement not sent; the edge will resend");
    });
  }

  private reject(code: ErrorCode, message: string, clientId: string, topic: string): void {
    this.counters.rejected[code] = (this.counters.rejected[code] ?? 0) + 1;
    this.o.log.warn({ code, clientId, topic, reason: message }, "payload rejected");
  }
}

function seqsByDevice(readings: readonly StoredReading[]): Map<string, number[]> {
  const byDevice = new Map<string, number[]>();
  for (const r of readings) {
    const seqs = byDevice.get(r.device);
    if (seqs) seqs.push(r.seq);
    else byDevice.set(r.device, [r.seq]);
  }
  return byDevice;
}
