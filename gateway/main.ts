// Entry point of a village's gateway. The simulated village (`npm start`) is simulation/main.ts.
import { usageError } from "../lib/command-line.ts";
import { startGatewayCommand } from "./start-gateway.ts";

const USAGE = "npm run gateway -- [--config village.yaml] [--data-dir ./data] [--host h] [--mqtt-port 1883] [--http-port 1880] [--influx-url http://host:8086/db]";
if (process.argv.includes("--simulate")) usageError("--simulate: the simulated village is `npm start` (simulation/main.ts)", USAGE);
await startGatewayCommand({ usage: USAGE });
