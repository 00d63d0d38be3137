// The alert benchmark in a process of its own, for the row with the dashboards running: Node-RED
// keeps its node registry in module state and cannot be started twice in one process (the
// dashboards-over-Wi-Fi row starts it again). Prints the result as JSON.
import { alertLatency } from "./alert-latency.ts";

const [seconds, clients] = process.argv.slice(2).map(Number);
process.stdout.write(`${JSON.stringify(await alertLatency(seconds, clients))}\n`);
process.exit(0);
