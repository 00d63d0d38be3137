// Baseline for the RSS benchmark: MQTT.js alone, publishing what the water board publishes.
import mqtt from "mqtt";

const [url, intervalMs] = [process.argv[2], Number(process.argv[3])];
const client = mqtt.connect(url, { clientId: "bare-publisher" });
let seq = 0;
setInterval(() => {
  const readings = Array.from({ length: 5 }, (_, i) => ({
    seq: ++seq, sensor: `sensor-${i}`, value: 1000 + i, unit: "L", quality: "good", ts: Date.now(), clock: "synced",
  }));
  client.publish("cs/v1/dev/bare/readings", JSON.stringify({ device: "bare", readings }), { qos: 1 });
}, intervalMs);
process.once("SIGTERM", () => client.end(true, () => process.exit(0)));
