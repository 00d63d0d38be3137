// A free TCP port on loopback for a server a test starts in another process. Picked below the
// kernel's ephemeral range (32768-60999 here): a port the OS hands out for port 0 can be taken, in
// the moment before the server binds it, as the source port of any outgoing connection on the
// machine (a hub node once failed with EADDRINUSE that way while the suite ran in parallel).
import { createServer } from "node:net";
import { readFileSync } from "node:fs";

function ephemeralFloor(): number {
  try {
    return Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

const FLOOR = 10_000;
const CEILING = Math.max(FLOOR + 1_000, ephemeralFloor());
// Each test worker starts at a different place, so two workers rarely try the same port.
let next = FLOOR + ((process.pid * 7919) % (CEILING - FLOOR));

function tryPort(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 1_000; attempt++) {
    const port = (next = next + 1 >= CEILING ? FLOOR : next + 1); // taken before the await: calls run at once
    if (await tryPort(port)) return port;
  }
  throw new Error(`no free port between ${FLOOR} and ${CEILING} on 127.0.0.1`);
}
