// The serial instruments of one board, one per port (VE.Direct devices, Modbus energy meters,
// serial scales), opened at agent start and closed at stop as their drivers say
// (edge/drivers/<driver>.ts, InstrumentKind). Their own complaints (a charger error, broken
// blocks, a meter that does not answer) join the agent's status warnings.
import type { Logger } from "pino";
import type { BoardDefinition } from "../../protocol/board/schema.ts";
import { drivers } from "../drivers/all-drivers.ts";
import type { InstrumentKind, PortDriverName, PortSensor, SerialInstrument } from "./instrument-channel.ts";

interface OnPort {
  // Each port's kind is the one that opened its instrument: board validation keeps one driver per port.
  kind: InstrumentKind<PortDriverName>;
  instrument: SerialInstrument;
}

export class Instruments {
  private readonly byPort = new Map<string, OnPort>();

  constructor(
    private readonly board: BoardDefinition,
    private readonly log: Logger,
    private readonly options: { reopenMs?: number; pollMs?: number } = {},
  ) {}

  get size(): number {
    return this.byPort.size;
  }

  /** Opens every instrument the board names; a board without any loads nothing. */
  async start(): Promise<void> {
    const sensors = this.board.sensors.filter((s): s is PortSensor => "port" in s);
    for (const s of sensors) {
      if (this.byPort.has(s.port)) continue;
      const kind = drivers[s.driver].instrument as InstrumentKind<PortDriverName>;
      const log = this.log.child({ instrument: s.driver, port: s.port });
      const instrument = await kind.open(s.port, sensors.filter((o) => o.port === s.port), { log, ...this.options });
      this.byPort.set(s.port, { kind, instrument });
    }
    for (const { instrument } of this.byPort.values()) instrument.start();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.byPort.values()].map(({ instrument }) => instrument.stop()));
  }

  /** The sensor's value now, in its unit; throws with what to check. */
  read(sensor: PortSensor): number {
    const onPort = this.byPort.get(sensor.port);
    if (!onPort) throw new Error(`no instrument on ${sensor.port}`);
    return onPort.kind.read(onPort.instrument, sensor);
  }

  warnings(): string[] {
    return [...this.byPort.values()].flatMap(({ instrument }) => instrument.warnings());
  }
}
