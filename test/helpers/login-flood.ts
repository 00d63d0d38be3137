// Run as its own process: `node --import tsx test/helpers/login-flood.ts <gateway base URL> <count>`.
// Sends that many wrong passwords, half to POST /login and half as HTTP Basic on a write, from 20
// loopback addresses, 50 at a time, and prints {"<status>": n, ...}. A process of its own, so that
// the test measuring the gateway's answers does not share an event loop with the flood.
import { requestFrom } from "./http-from.ts";

const [base, countText] = process.argv.slice(2);
const count = Number(countText);
const statuses: Record<number, number> = {};
const attempt = async (i: number) => {
  const from = `127.0.0.${10 + (i % 20)}`;
  const account = ["maintenance", "kitchen", "ghost"][i % 3];
  const res = i % 2
    ? await requestFrom(from, `${base}/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ account, password: `guess-${i}` }) })
    : await requestFrom(from, `${base}/api/assessments`, { method: "POST", headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`${account}:guess-${i}`).toString("base64")}` }, body: "{}" });
  statuses[res.status] = (statuses[res.status] ?? 0) + 1;
};
for (let i = 0; i < count; i += 50) await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, k) => attempt(i + k)));
console.log(JSON.stringify(statuses));
