// Checks account passwords against their bcrypt hashes on a thread of its own: bcryptjs is plain
// JavaScript, and one check at cost 10 takes about 100 ms of CPU, which on the gateway's event loop
// would stall the broker, ingest and every health check behind a flood of wrong passwords. Plain
// JavaScript because a worker thread does not inherit the TypeScript loader of every host.
import bcrypt from "bcryptjs";
import { setPriority } from "node:os";
import { parentPort } from "node:worker_threads";

// The lowest priority, for this thread only (Linux's nice is per thread): on a Pi's few cores a
// flood of checks then takes what the broker, ingest and health checks leave, not a share of it.
try {
  setPriority(19);
} catch {
  // where the system refuses, the checks merely compete as before
}

parentPort.on("message", ({ id, password, hash }) => {
  let ok = false;
  try {
    ok = bcrypt.compareSync(password, hash);
  } catch {
    ok = false; // a malformed hash proves nothing
  }
  parentPort.postMessage({ id, ok });
});
