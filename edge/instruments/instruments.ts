// The serial instruments of one board, one per port: VE.Direct devices, Modbus energy meters and
// serial scales, opened at agent start and closed at stop. Their own complaints (a charger error,
// broken blocks, a meter that does not answer) join the agent's status warnings. The instrument
// modules (serialport and its native binding, modbus-serial) are loaded only for a board that has
// instruments: on a Pi they cost several MB of memory.
import type { Logger } from "pino";
import type { BoardDefinition, SensorDefinition } from "../../protocol/board/schema.ts";
import type { VeDirectPort } from "./vedirect-port.ts";
import type { Sdm120Meter } from "./sdm120-meter.ts";
import type { SerialScalePort } from "./serial-scale-port.ts";
import type { Sdm120Quantity } from "../drivers/sdm120.ts";

type Instrument = VeDirectPort | Sdm120Meter | SerialScalePort;
type PortSensor = Extract<SensorDefinition, { port: string }>;

export class Instruments {
  private readonly byPort = new Map<string, Instrument>();

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
    const { options } = this;
    const sensors = this.board.sensors.filter((s): s is PortSensor => "port" in s);
    if (sensors.length === 0) return;
    const [{ VeDirectPort }, { Sdm120Meter }, { SerialScalePort }] = await Promise.all([
      import("./vedirect-port.ts"),
      import("./sdm120-meter.ts"),
      import("./serial-scale-port.ts"),
    ]);
    for (const s of sensors) {
      if (this.byPort.has(s.port)) continue;
      const child = this.log.child({ instrument: s.driver, port: s.port });
      if (s.driver === "vedirect") this.byPort.set(s.port, new VeDirectPort({ path: s.port, log: child, reopenMs: options.reopenMs }));
      else if (s.driver === "serial-scale") this.byPort.set(s.port, new SerialScalePort({ path: s.port, baudRate: s.baudRate, log: child, reopenMs: options.reopenMs }));
      else {
        const quantities = sensors.flatMap((o) => (o.driver === "sdm120" && o.port === s.port ? [o.quantity as Sdm120Quantity] : []));
        this.byPort.set(s.port, new Sdm120Meter({ path: s.port, baudRate: s.baudRate, modbusId: s.modbusId, quantities, log: child, pollMs: options.pollMs }));
      }
    }
    for (const i of this.byPort.values()) i.start();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.byPort.values()].map((i) => i.stop()));
  }

  /** The sensor's value now, in its unit; throws with what to check. */
  read(sensor: PortSensor): number {
    const instrument = this.byPort.get(sensor.port);
    if (!instrument) throw new Error(`no instrument on ${sensor.port}`);
    // One instrument per port, made for the first sensor's driver (board validation keeps them alike).
    if (sensor.driver === "vedirect") return (instrument as VeDirectPort).read(sensor.field);
    if (sensor.driver === "sdm120") return (instrument as Sdm120Meter).read(sensor.quantity);
    return (instrument as SerialScalePort).read() - sensor.tareKg;
  }

  warnings(): string[] {
    return [...this.byPort.values()].flatMap((i) => i.warnings());
  }
}
