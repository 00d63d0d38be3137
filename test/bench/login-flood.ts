// Logins cannot stall the gateway (issue #22): a real gateway process with a village's accounts,
// a flood of wrong passwords from a process of its own (20 loopback addresses, 50 at a time, half
// to POST /login and half as HTTP Basic on a write), and /api/health probed meanwhile from here.
//
// An attacker's requests are made on the attacker's machine; here the flood's process shares the
// gateway's two cores. Run at nice 19 (`lowPriorityFlood`), it takes only the CPU the gateway
// leaves, as a machine of its own would; at the gateway's priority it also competes for the cores.
import { spawn } from "node:child_process";
import { startGatewayProcess } from "../helpers/gateway-process.ts";
import { TEST_ACCOUNTS, TEST_PASSWORD } from "../helpers/test-accounts.ts";
import { p99 } from "./alert-latency.ts";


export interface LoginFloodResult {
  healthP99Ms: number;
  probes: number;
  /** Every probe's answer time, ascending. */
  latenciesMs: number[];
  /** Answers the flood got, by HTTP status. */
  statuses: Record<string, number>;
  logins: { succeeded: number; failed: number; throttled: number; busy: number };
  /** Someone with the right password, from an address not in the flood, afterwards. */
  rightPasswordStatus: number;
}

export async function healthUnderLoginFlood(attempts: number, lowPriorityFlood: boolean): Promise<LoginFloodResult> {
  const gw = await startGatewayProcess({
    nodeRed: { enabled: false, accounts: TEST_ACCOUNTS },
  });
  try {
    // Warmed up first: the first requests of a fresh process compile its routes, which is no
    // figure of the flood (with about 100 probes the p99 is the slowest one or two).
    for (let i = 0; i < 20; i++) await (await fetch(`${gw.base}/api/health`)).arrayBuffer();
    const latencies: number[] = [];
    let flooding = true;
    const probe = (async () => {
      while (flooding) {
        const t = performance.now();
        await (await fetch(`${gw.base}/api/health`)).arrayBuffer();
        latencies.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const flood = [process.execPath, "--import", "tsx", "test/helpers/login-flood.ts", gw.base, String(attempts)];
    // nice(1), so that every thread of the flood's process runs at that priority from its start.
    const [command, ...args] = lowPriorityFlood ? ["nice", "-n", "19", ...flood] : flood;
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const code = await new Promise((r) => child.once("exit", r));
    flooding = false;
    await probe;
    if (code !== 0) throw new Error(`the login flood exited with ${code}`);
    latencies.sort((a, b) => a - b);
    const health = (await (await fetch(`${gw.base}/api/health`)).json()) as { access: { logins: LoginFloodResult["logins"] } };
    const right = await fetch(`${gw.base}/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ account: "visitors", password: TEST_PASSWORD }) });
    return {
      healthP99Ms: p99(latencies),
      probes: latencies.length,
      latenciesMs: latencies,
      statuses: JSON.parse(out) as Record<string, number>,
      logins: health.access.logins,
      rightPasswordStatus: right.status,
    };
  } finally {
    await gw.stop();
  }
}
