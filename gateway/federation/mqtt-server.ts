// A hub's broker address as mqtt.js takes it: host, port (1883, or 8883 for mqtts://) and protocol.
export interface MqttServer {
  host: string;
  port: number;
  protocol: "mqtt" | "mqtts";
}

export function mqttServer(url: string): MqttServer {
  const u = new URL(url);
  const tls = u.protocol === "mqtts:";
  return { host: u.hostname, port: Number(u.port || (tls ? 8883 : 1883)), protocol: tls ? "mqtts" : "mqtt" };
}
