// The gateway's event bus: services announce what happened; others listen. A failing listener is
// logged and isolated so it cannot take ingest down.
import type { Logger } from "pino";
import type { StoredReading } from "./store/store.ts";
import type { DeviceStatus } from "../protocol/payloads.ts";
import type { Notification } from "./triggers/trigger-state.ts";

export interface BusEvents {
  /** Validated readings, as soon as they arrive: consumers never wait for a store flush. */
  readings: StoredReading[];
  /** Readings now durably stored. */
  stored: StoredReading[];
  deviceStatus: DeviceStatus;
  /** A local alarm: alert raised or cleared, aid requested, updated or withdrawn. */
  notification: Omit<Notification, "id">;
  /** The federation outbox has something new to send. */
  outbox: void;
}

type Listener<K extends keyof BusEvents> = (payload: BusEvents[K]) => void;

export class Bus {
  private readonly listeners = new Map<keyof BusEvents, Set<Listener<keyof BusEvents>>>();
  private readonly log: Logger;

  constructor(log: Logger) {
    this.log = log;
  }

  on<K extends keyof BusEvents>(event: K, listener: Listener<K>): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener as Listener<keyof BusEvents>);
    this.listeners.set(event, set);
    return () => set.delete(listener as Listener<keyof BusEvents>);
  }

  emit<K extends keyof BusEvents>(event: K, payload: BusEvents[K]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        listener(payload);
      } catch (err) {
        this.log.error({ event, err: (err as Error).message }, "bus listener failed");
      }
    }
  }
}
