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
  /** Both Redis connections (the emitter's and the persistence's) are ready. */
  reachable(): boolean;
  close(): Promise<void>;
}

interface RedisPersistence {
  createRetainedStreamCombi(patterns: string[]): Readable | AsyncIterable<unknown>;
  destroy(): Promise<void>;
}

interface RedisEmitter {
  close(cb: () => void): void;
  /** Where mqemitter-redis reports its connections' errors (unheard, they crash the process). */
  state: { on(event: "error", listener: (err: Error) => void): void };
  pubConn: { status: string; ping(): Promise<string>; disconnect(): void; duplicate(): { status: string; on(event: "error", listener: (err: Error) => void): void } };
  subConn: { status: string; disconnect(): void };
}

/**
 * Fails with a message naming the URL when Redis does not answer within `timeoutMs`; afterwards,
 * lost connections are reported to `onError` while ioredis reconnects.
 */
export async function redisSharedState(redisUrl: string, onError: (err: Error) => void, timeoutMs = 5_000): Promise<SharedState> {
  const url = new URL(redisUrl);
  if (url.protocol !== "redis:") throw new Error(`redis URL ${redisUrl}: expected redis://host:port`);
  const connection = { host: url.hostname, port: Number(url.port || 6379), ...(url.password ? { password: decodeURIComponent(url.password) } : {}), db: Number(url.pathname.slice(1) || 0) };
  // Both are CommonJS without ESM entry points. The async persistence class is what aedes 1.x
  // needs (the package's main export wraps it in the callback API of aedes 0.x).
  const MQEmitterRedis = require("mqemitter-redis") as (o: object) => RedisEmitter;
  const AsyncRedisPersistence = require("aedes-persistence-redis/asyncPersistence.js") as new (o: object) => RedisPersistence;
  const mq = MQEmitterRedis(connection);
  // ioredis retries a lost connection every few hundred ms and reports each try: once per 10 s is enough.
  let reportedAt = 0;
  const report = (err: Error) => {
    if (Date.now() - reportedAt < 10_000) return;
    reportedAt = Date.now();
    onError(err);
  };
  mq.state.on("error", report);
  let timer: NodeJS.Timeout | undefined;
  const ping = mq.pubConn.ping();
  ping.catch(() => undefined); // settled by the race below or after it
  try {
    await Promise.race([
      ping,
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
    ]);
  } catch (err) {
    // Not mq.close(): it sends QUIT, which waits for a connection that never comes.
    mq.subConn.disconnect();
    mq.pubConn.disconnect();
    throw new Error(`cannot reach Redis at ${redisUrl}: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
  // The persistence gets its connection from us (a duplicate of the emitter's), so that its errors
  // are heard too instead of printed by ioredis as unhandled.
  const conn = mq.pubConn.duplicate();
  conn.on("error", report);
  const persistence = new AsyncRedisPersistence({ conn });
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
    // ioredis' connection states: "ready" once connected, "reconnecting" while Redis is lost.
    reachable: () => [mq.pubConn, mq.subConn, conn].every((c) => c.status === "ready"),
    async close() {
      await persistence.destroy().catch(() => undefined);
    },
  };
}
