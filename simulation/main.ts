// `npm start`: a village gateway on embedded defaults with a simulated edge agent for every board
// in boards/, no hardware and no servers to install. Here, not in gateway/, because it runs both
// sides in one process.
import { startGatewayCommand } from "../gateway/start-gateway.ts";
import { SimulatedVillage, simulatedClock } from "./simulated-village.ts";

const USAGE = "npm start -- [--config village.yaml] [--data-dir ./data] [--host h] [--mqtt-port 1883] [--http-port 1880] [--influx-url http://host:8086/db] [--speed 1]";
await startGatewayCommand({
  usage: USAGE,
  simulation: {
    clock: simulatedClock,
    async start({ gateway, config, boards, log, speed, now }) {
      const village = new SimulatedVillage({
        boards,
        gatewayUrl: gateway.broker.url,
        gatewayKey: gateway.commands.publicKeyPem,
        dataDir: config.dataDir,
        log,
        headCount: config.village.headCount,
        speed,
        simNowMs: now,
      });
      await village.start();
      return { stop: () => village.stop(), banner: `${village.agents.length} edge agents, model speed x${speed}` };
    },
  },
});
