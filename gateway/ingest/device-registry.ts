// Which devices and sensors this gateway accepts, from the village's board files.
import type { LoadedBoard } from "../../protocol/board/check.ts";
import type { Unit } from "../../protocol/units.ts";

export interface SensorInfo {
  device: string;
  sensor: string;
  unit: Unit;
  label?: string;
  domain: string;
}

export class DeviceRegistry {
  private readonly devices = new Map<string, Map<string, SensorInfo>>();
  private readonly outputKinds = new Map<string, string>();
  private readonly local = new Set<string>();

  constructor(boards: readonly LoadedBoard[]) {
    for (const { board } of boards) {
      const sensors = new Map<string, SensorInfo>();
      for (const s of board.sensors) {
        sensors.set(s.id, { device: board.id, sensor: s.id, unit: s.unit, label: s.label, domain: board.domain });
      }
      this.devices.set(board.id, sensors);
      for (const a of board.actuators) this.outputKinds.set(`${board.id}/${a.id}`, a.kind);
    }
  }

  /**
   * A device the gateway itself speaks for, such as the kitchens' hand counts: it publishes
   * nothing over MQTT, but its readings are stored and shown like any board's.
   */
  addLocalDevice(device: string, domain: string, sensors: Array<{ sensor: string; unit: Unit; label?: string }>): void {
    this.devices.set(device, new Map(sensors.map((s) => [s.sensor, { device, domain, ...s }])));
    this.local.add(device);
  }

  /** Devices that are boards on the network (not the gateway's own). */
  isLocal(device: string): boolean {
    return this.local.has(device);
  }

  hasDevice(device: string): boolean {
    return this.devices.has(device);
  }

  /** A device's sensors by id (undefined for an unknown device). */
  sensorsOf(device: string): ReadonlyMap<string, SensorInfo> | undefined {
    return this.devices.get(device);
  }

  sensor(device: string, sensor: string): SensorInfo | undefined {
    return this.devices.get(device)?.get(sensor);
  }

  /** The kind of an output ("relay", "valve", "pwm"), by device and output id. */
  outputKind(device: string, output: string): string | undefined {
    return this.outputKinds.get(`${device}/${output}`);
  }

  outputs(): string[] {
    return [...this.outputKinds.keys()];
  }

  deviceIds(): string[] {
    return [...this.devices.keys()];
  }

  allSensors(): SensorInfo[] {
    return [...this.devices.values()].flatMap((m) => [...m.values()]);
  }
}
