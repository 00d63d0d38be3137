// The state broker nodes share through Redis, so that several hub nodes act as one broker: aedes'
// own mqemitter-redis (messages between nodes) and aedes-persistence-redis (subscriptions,
// retained messages, QoS 1 sessions and wills). Nothing here is home-made clustering.
import { createRequire } from "node:module";
import { Readable } from "node:stream";

const require = createRequire(import.meta.url);

export interface SharedState {
  /** aedes' `mq` and `persistence` options; typed loosely because aedes types them `any` too. */
  mq: unknown;
  persistence: { destroy(): Promise<void> };
  close(): Promise<void>;
}

interface RedisPersistence {
  createRetainedStreamCombi(patterns: string[]): Readable | AsyncIterable<unknown>;
  destroy(): Promise<void>;
}

interface RedisEmitter {
  close(cb: () => void): void;
}

export async function redisSharedState(redisUrl: string): Promise<SharedState> {
  const url = new URL(redisUrl);
  if (url.protocol !== "redis:") throw new Error(`redis URL ${redisUrl}: expected redis://host:port`);
  const connection = { host: url.hostname, port: Number(url.port || 6379), ...(url.password ? { password: decodeURIComponent(url.password) } : {}), db: Number(url.pathname.slice(1) || 0) };
  // Both are CommonJS without ESM entry points. The async persistence class is what aedes 1.x
  // needs (the package's main export wraps it in the callback API of aedes 0.x).
  const MQEmitterRedis = require("mqemitter-redis") as (o: object) => RedisEmitter;
  const AsyncRedisPersistence = require("aedes-persistence-redis/asyncPersistence.js") as new (o: object) => RedisPersistence;
  const mq = MQEmitterRedis(connection);
  const persistence = new AsyncRedisPersistence(connection);
  // aedes 1.2 pipes the retained messages of a SUBSCRIBE (`stream.pipe`), as its memory persistence
  // returns a Readable; aedes-persistence-redis 11 returns an async generator. Wrapped, or the first
  // subscription that matches a retained message crashes the broker.
  const retained = persistence.createRetainedStreamCombi.bind(persistence);
  persistence.createRetainedStreamCombi = (patterns) => {
    const source = retained(patterns);
    return typeof (source as Partial<Readable>).pipe === "function" ? source : Readable.from(source as AsyncIterable<unknown>);
  };
  return {
    mq,
    persistence,
    async close() {
      await persistence.destroy().catch(() => undefined);
    },
  };
}
