// Home Assistant sees what the village measures: MQTT discovery configs (retained, under HA's
// default "homeassistant" prefix) for every sensor of the boards and the gateway's reserve figures,
// and each sensor's latest reading on its own retained state topic. A reading that is invalid or
// missing makes the entity unavailable in HA (availability from the reading's quality), never 0;
// an estimate (a reserve figure resting on a stale sensor or a norm) stays available with quality
// "estimate" and its reason as attributes, as do the warning and time of every reading.
import type { Logger } from "pino";
import type { DeviceRegistry, SensorInfo } from "../ingest/device-registry.ts";
import type { StoredReading } from "../store/store.ts";
import { homeAssistantDiscoveryTopic, villageStateTopic } from "../../protocol/topics.ts";
import type { SensorState } from "../../protocol/village.ts";
import { VERSION } from "../../lib/command-line.ts";

interface Publisher {
  publish(topic: string, payload: string, options: { qos: 0 | 1; retain?: boolean }, done?: (err?: Error) => void): void;
}

/**
 * HA's device classes for the units they fit; units without one are plain measurements. HA refuses
 * a config whose unit its device class does not accept (test/helpers/home-assistant-sensor-rules.ts).
 */
const DEVICE_CLASS: Partial<Record<string, string>> = {
  "°C": "temperature", "%RH": "humidity", V: "voltage", A: "current", W: "power", hPa: "pressure", lx: "illuminance", L: "volume_storage", Wh: "energy_storage", "L/min": "volume_flow_rate", kg: "weight", min: "duration", days: "duration",
};
/** "%" is a battery's charge on the power board and soil moisture in the greenhouse. */
const PERCENT_CLASS: Partial<Record<string, string>> = { power: "battery", greenhouse: "moisture" };
/** HA's spelling of a unit where ours differs; booleans carry none. */
const HA_UNIT: Partial<Record<string, string | null>> = { "%RH": "%", days: "d", bool: null };

export class HomeAssistantDiscovery {
  constructor(private readonly o: { village: { id: string; name: string }; registry: DeviceRegistry; broker: Publisher; log: Logger }) {}

  /** Publishes a discovery config for every sensor (retained: HA finds them whenever it starts). */
  announce(): void {
    for (const s of this.o.registry.allSensors()) {
      this.o.broker.publish(homeAssistantDiscoveryTopic(this.o.village.id, s.sensor), JSON.stringify(this.config(s)), { qos: 1, retain: true }, (err) => {
        if (err) this.o.log.warn({ sensor: s.sensor, err: err.message }, "Home Assistant discovery config not published");
      });
    }
  }

  /** The latest reading of each sensor in a batch, on its state topic. */
  publishStates(readings: readonly StoredReading[]): void {
    const latest = new Map<string, StoredReading>();
    for (const r of readings) if ((latest.get(r.sensor)?.ts ?? -Infinity) <= r.ts) latest.set(r.sensor, r);
    for (const r of latest.values()) {
      const state: SensorState = { value: r.value, unit: r.unit, quality: r.value === null ? "invalid" : r.quality, ...(r.warning ? { warning: r.warning } : {}), ts: new Date(r.ts).toISOString() };
      this.o.broker.publish(villageStateTopic(this.o.village.id, r.sensor), JSON.stringify(state), { qos: 0, retain: true });
    }
  }

  config(s: SensorInfo): Record<string, unknown> {
    const state = villageStateTopic(this.o.village.id, s.sensor);
    const unit = s.unit in HA_UNIT ? HA_UNIT[s.unit] : s.unit;
    const deviceClass = s.unit === "%" ? PERCENT_CLASS[s.domain] : DEVICE_CLASS[s.unit];
    return {
      name: s.label ?? s.sensor,
      unique_id: `cs_${this.o.village.id}_${s.sensor}`,
      state_topic: state,
      value_template: "{{ value_json.value }}",
      json_attributes_topic: state,
      json_attributes_template: "{{ {'quality': value_json.quality, 'warning': value_json.warning, 'taken': value_json.ts} | tojson }}",
      availability_topic: state,
      availability_template: "{{ 'online' if value_json.quality in ['good', 'estimate'] else 'offline' }}",
      ...(unit ? { unit_of_measurement: unit } : {}),
      ...(deviceClass ? { device_class: deviceClass } : {}),
      state_class: "measurement",
      device: {
        identifiers: [`cs_${this.o.village.id}_${s.device}`],
        name: `${this.o.village.name} ${s.device}`,
        manufacturer: "Commons Sense",
        model: `${s.domain} board`,
        sw_version: VERSION,
      },
    };
  }
}
