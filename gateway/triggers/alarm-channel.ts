// The village's alarm channel on MQTT (sirens, phones, radios listen to it), fed from the trigger
// state's notifications as an outbox: a notification is marked published only once the broker has
// taken it, so one committed just before a crash or a power cut goes out after the restart. Each
// carries its id; a consumer that sees an id twice (the crash fell between publish and mark) drops it.
import type { Logger } from "pino";
import type { TriggerState } from "./trigger-state.ts";
import { villageNotificationsTopic } from "../../protocol/topics.ts";
import { SerialDrain } from "../../lib/serial-drain.ts";

export interface AlarmPublisher {
  publish(topic: string, payload: string, options: { qos: 1 }, done: (err?: Error) => void): void;
}

export class AlarmChannel {
  private readonly outbox = new SerialDrain(() => this.run());

  constructor(private readonly o: { village: string; state: TriggerState; broker: AlarmPublisher; log: Logger }) {}

  /** Publishes every notification not yet published, in order; calls made meanwhile run once more after. */
  drain(): Promise<void> {
    return this.outbox.drain();
  }

  /** No more drains; resolves once the running one is done (before the state closes). */
  stop(): Promise<void> {
    return this.outbox.stop();
  }

  private async run(): Promise<void> {
    const topic = villageNotificationsTopic(this.o.village);
    while (!this.outbox.isStopped) {
      const batch = this.o.state.unpublishedNotifications();
      if (batch.length === 0) return;
      for (const n of batch) {
        try {
          await new Promise<void>((resolve, reject) => this.o.broker.publish(topic, JSON.stringify(n), { qos: 1 }, (err) => (err ? reject(err) : resolve())));
        } catch (err) {
          // The broker is down (stopping, restarting): the rest waits for the next drain.
          this.o.log.warn({ err: (err as Error).message, notification: n.id }, "alarm channel: notification not published yet");
          return;
        }
        this.o.state.markPublished(n.id);
      }
    }
  }
}
