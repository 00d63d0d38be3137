// Checks account passwords against their bcrypt hashes on a thread of its own: bcryptjs is plain
// JavaScript, and one check at cost 10 takes about 100 ms of CPU, which on the gateway's event loop
// would stall the broker, ingest and every health check behind a flood of wrong passwords. Plain
// JavaScript because a worker thread does not inherit the TypeScript loader of every host.
import bcrypt from "bcryptjs";
import { parentPort } from "node:worker_threads";

parentPort.on("message", ({ id, password, hash }) => {
  let ok = false;
  try {
    ok = bcrypt.compareSync(password, hash);
  } catch {
    ok = false; // a malformed hash proves nothing
  }
  parentPort.postMessage({ id, ok });
});
