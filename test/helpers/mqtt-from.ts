// An MQTT.js client that connects from a loopback address of the test's choosing (127.0.0.2, ...):
// the broker throttles failed logins per address, so an attacker's flood and a well-behaved client
// must come from different addresses, as they would on a village network.
import mqtt, { MqttClient, type IClientOptions } from "mqtt";
import { createConnection } from "node:net";

export function connectFrom(localAddress: string, url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const { hostname, port } = new URL(url);
  const client = new MqttClient(() => createConnection({ host: hostname, port: Number(port), localAddress }), { reconnectPeriod: 0, connectTimeout: 5_000, ...options });
  return new Promise((resolve, reject) => {
    client.once("connect", () => resolve(client));
    client.once("error", (err) => {
      client.end(true);
      reject(err);
    });
    client.once("close", () => reject(Object.assign(new Error("connection closed before CONNACK"), { code: undefined })));
  });
}

export { mqtt };
