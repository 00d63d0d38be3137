// A simulated village: one edge agent per board file, all driven by one physical model, publishing
// to the gateway over real MQTT. This is what `npm start` runs; no hardware needed.
import type { Logger } from "pino";
import { join } from "node:path";
import type { LoadedBoard } from "../protocol/board/check.ts";
import { EdgeAgent, type AgentOptions } from "../edge/agent.ts";
import { VillageModel } from "../edge/io/simulated/village-model.ts";

export interface SimulatedVillageOptions {
  boards: readonly LoadedBoard[];
  gatewayUrl: string;
  dataDir: string;
  log: Logger;
  headCount: number;
  /** Simulated seconds per real second: the model, the agents' clocks and sampling run this fast. */
  speed?: number;
  /** The simulated clock, shared with the gateway so reserves and triggers see the same time. */
  simNowMs?: () => number;
  agent?: Partial<Pick<AgentOptions, "sampleIntervalMs" | "journal" | "publisher" | "statusIntervalMs">>;
  /** The gateway's command-signing public key (PEM), as enrolment would give a real board. */
  gatewayKey?: string;
}

export class SimulatedVillage {
  readonly agents: EdgeAgent[];
  readonly model: VillageModel;

  constructor(o: SimulatedVillageOptions) {
    const speed = o.speed ?? 1;
    const simNowMs = o.simNowMs ?? simulatedClock(speed);
    const realStart = simNowMs();
    this.model = new VillageModel({ startMs: realStart, headCount: o.headCount });
    this.agents = o.boards
      .filter(({ board }) => board.io.kind === "simulated")
      .map(
        ({ board }) =>
          new EdgeAgent({
            board,
            gatewayUrl: o.gatewayUrl,
            dataDir: join(o.dataDir, "edge"),
            log: o.log, // the agent binds its board; a module here would repeat as its parts bind theirs
            model: this.model,
            simNowMs,
            clock: { now: simNowMs, monotonicMs: () => performance.now() },
            // Sampling keeps its simulated interval (at least 200 ms of real time).
            sampleIntervalMs: Math.max(200, Math.round(board.sampleIntervalMs / speed)),
            gatewayKey: o.gatewayKey,
            ...o.agent,
          }),
      );
  }

  async start(): Promise<void> {
    for (const agent of this.agents) await agent.start();
  }

  async stop(): Promise<void> {
    for (const agent of [...this.agents].reverse()) await agent.stop();
  }
}

/** Simulated time: starts now and runs `speed` times faster than the wall clock. */
export function simulatedClock(speed: number): () => number {
  const realStart = Date.now();
  return () => realStart + (Date.now() - realStart) * speed;
}
