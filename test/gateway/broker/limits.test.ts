// Broker limits against raw sockets and real MQTT.js clients, and the MQTT 3.1.1 clauses the broker
// answers itself, each citing its clause.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect as tcpConnect, type Socket } from "node:net";
import mqtt from "mqtt";
import { Broker } from "../../../gateway/broker/broker.ts";
import { testLog } from "../../helpers/test-log.ts";
import { waitFor } from "../../helpers/wait-for.ts";

/** A raw TCP client: what it was sent back, and whether the broker closed it. */
async function raw(port: number) {
  const socket: Socket = tcpConnect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const state = { data: Buffer.alloc(0), closed: false };
  socket.on("data", (d) => (state.data = Buffer.concat([state.data, d])));
  socket.on("close", () => (state.closed = true));
  socket.on("error", () => undefined);
  return { socket, state };
}

/** CONNECT for MQTT 3.1.1 (level 4) or 5 (level 5), with a client id and flags. */
function connectPacket(clientId: string, opts: { level?: number; cleanSession?: boolean } = {}): Buffer {
  const id = Buffer.from(clientId);
  const level = opts.level ?? 4;
  const props = level === 5 ? [0] : []; // MQTT 5 has a properties length after keep-alive
  const variable = [0, 4, ...Buffer.from("MQTT"), level, opts.cleanSession === false ? 0x00 : 0x02, 0, 60, ...props];
  const payload = [(id.length >> 8) & 0xff, id.length & 0xff, ...id];
  const body = [...variable, ...payload];
  return Buffer.from([0x10, body.length, ...body]);
}

describe("broker limits", () => {
  const broker = new Broker({
    host: "127.0.0.1",
    port: 0,
    log: testLog,
    limits: { maxPacketBytes: 64 * 1024, connectTimeoutMs: 300, maxConnectionsPerAddress: 5, maxPublishesPerSecond: 50 },
  });
  beforeAll(() => broker.start());
  afterAll(() => broker.stop());

  it("cuts a connection whose packet announces more than the limit, before buffering it, even before CONNECT", async () => {
    const before = process.memoryUsage().rss;
    const clients = await Promise.all(Array.from({ length: 4 }, () => raw(broker.port)));
    for (const { socket } of clients) {
      // A PUBLISH announcing about 200 MB (a 4-byte remaining length), then a trickle of its body.
      socket.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x5f]));
      socket.write(Buffer.alloc(32 * 1024, 0x41));
    }
    await waitFor("all cut", () => clients.every((c) => c.state.closed));
    expect(broker.refusedCount.oversized).toBeGreaterThanOrEqual(4);
    expect(process.memoryUsage().rss - before).toBeLessThan(20 * 1024 * 1024);
  });

  it("closes a socket that never sends CONNECT", async () => {
    const { state } = await raw(broker.port);
    await waitFor("closed by the connect timeout", () => state.closed, { timeoutMs: 5_000 });
  });

  it("refuses connections over the per-address cap", async () => {
    const open = await Promise.all(Array.from({ length: 5 }, () => mqtt.connectAsync(broker.url, { reconnectPeriod: 0 })));
    const before = broker.refusedCount.overConnections;
    const extra = await raw(broker.port);
    await waitFor("the sixth closed", () => extra.state.closed);
    expect(broker.refusedCount.overConnections).toBe(before + 1);
    for (const c of open) await c.endAsync();
  });

  it("closes a client that publishes faster than the limit", async () => {
    const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0, clientId: "chatty" });
    const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
    for (let i = 0; i < 200; i++) client.publish("cs/v1/dev/water-main/status", "{}", { qos: 1 });
    await closed;
    expect(broker.refusedCount.overRate).toBeGreaterThan(0);
    await client.endAsync(true);
  });

  it("[MQTT-3.1.3-8] an empty client id with clean session 0 gets CONNACK 0x02 and is closed", async () => {
    const { socket, state } = await raw(broker.port);
    socket.write(connectPacket("", { cleanSession: false }));
    await waitFor("closed", () => state.closed);
    expect([...state.data.subarray(0, 4)]).toEqual([0x20, 0x02, 0x00, 0x02]);
  });

  it("[MQTT-3.1.2-2] an MQTT 5 CONNECT is answered as unsupported (0x01) and closed", async () => {
    const { socket, state } = await raw(broker.port);
    socket.write(connectPacket("v5-client", { level: 5 }));
    await waitFor("closed", () => state.closed);
    expect([...state.data.subarray(0, 4)]).toEqual([0x20, 0x02, 0x00, 0x01]);
  });

  it("[MQTT-3.1.0-2] a second CONNECT on a connection is a protocol violation: closed", async () => {
    const { socket, state } = await raw(broker.port);
    socket.write(connectPacket("twice"));
    await waitFor("CONNACK", () => state.data.length >= 4);
    expect([...state.data.subarray(0, 4)]).toEqual([0x20, 0x02, 0x00, 0x00]);
    socket.write(connectPacket("twice"));
    await waitFor("closed", () => state.closed);
  });
});
