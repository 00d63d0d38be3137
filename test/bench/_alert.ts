import { alertLatency } from "./alert-latency.ts";
const r = await alertLatency(Number(process.env.S ?? 20));
console.log(JSON.stringify(r));
process.exit(0);
