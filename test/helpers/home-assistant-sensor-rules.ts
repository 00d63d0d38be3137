// What Home Assistant accepts as an MQTT sensor's discovery config, written down from its own
// sources (home-assistant/core): the keys of the MQTT sensor's schema (components/mqtt/sensor.py
// _PLATFORM_SCHEMA_BASE and MQTT_RO_SCHEMA; mqtt/schemas.py MQTT_ENTITY_COMMON_SCHEMA,
// MQTT_AVAILABILITY_SCHEMA and MQTT_ENTITY_DEVICE_INFO_SCHEMA), and its check that a unit and a
// state class fit the device class (mqtt/sensor.py validate_sensor_state_and_device_class_config,
// against sensor/const.py DEVICE_CLASS_UNITS and DEVICE_CLASS_STATE_CLASSES). HA refuses a config
// that fails that check, and drops unknown keys without a word (DISCOVERY_SCHEMA removes extras),
// so both are problems here. No Home Assistant runs here (it installs from PyPI only), so these
// rules stand in for it; only the device classes listed can be checked, any other is a problem.

const SENSOR_KEYS = new Set([
  // MQTT_RO_SCHEMA, with the base schema's qos and encoding
  "state_topic", "value_template", "qos", "encoding",
  // the sensor's own
  "device_class", "expire_after", "force_update", "last_reset_value_template", "name", "options",
  "suggested_display_precision", "state_class", "unit_of_measurement",
  // MQTT_AVAILABILITY_SCHEMA
  "availability_topic", "availability_template", "payload_available", "payload_not_available", "availability", "availability_mode",
  // MQTT_ENTITY_COMMON_SCHEMA
  "device", "origin", "enabled_by_default", "entity_category", "icon", "json_attributes_topic", "json_attributes_template", "object_id", "unique_id",
]);
const DEVICE_KEYS = new Set([
  "identifiers", "connections", "manufacturer", "model", "model_id", "name", "hw_version", "serial_number", "sw_version", "via_device", "suggested_area", "configuration_url",
]);

const STATE_CLASSES = ["measurement", "total", "total_increasing"];
const ENERGY = ["J", "kJ", "MJ", "GJ", "mWh", "Wh", "kWh", "MWh", "GWh", "TWh", "cal", "kcal", "Mcal", "Gcal"];

/** Device class -> [units it accepts, state classes it accepts], for the classes a village's sensors can have. */
const DEVICE_CLASSES: Record<string, [units: string[], stateClasses: string[]]> = {
  battery: [["%"], ["measurement"]],
  current: [["A", "mA"], ["measurement"]],
  duration: [["d", "h", "min", "s", "ms"], STATE_CLASSES],
  energy_storage: [ENERGY, ["measurement"]],
  humidity: [["%"], ["measurement"]],
  illuminance: [["lx"], ["measurement"]],
  moisture: [["%"], ["measurement"]],
  power: [["W", "kW", "MW", "GW", "TW"], ["measurement"]],
  pressure: [["mbar", "cbar", "bar", "Pa", "hPa", "kPa", "inHg", "psi"], ["measurement"]],
  temperature: [["°C", "°F", "K"], ["measurement"]],
  voltage: [["V", "mV", "µV", "kV", "MV"], ["measurement"]],
  volume_flow_rate: [["m³/h", "L/min", "mL/s", "ft³/min", "gal/min"], ["measurement"]],
  volume_storage: [["mL", "L", "m³", "ft³", "CCF", "fl. oz.", "gal"], ["measurement"]],
  weight: [["µg", "mg", "g", "kg", "oz", "lb"], STATE_CLASSES],
};

/** Every reason Home Assistant would refuse this sensor config or drop part of it; none when it takes it whole. */
export function homeAssistantSensorProblems(config: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(config)) if (!SENSOR_KEYS.has(key)) problems.push(`unknown key \`${key}\` (HA drops it)`);
  if (typeof config.state_topic !== "string" || config.state_topic === "") problems.push("`state_topic` is required");
  const device = config.device as Record<string, unknown> | undefined;
  if (device !== undefined) {
    for (const key of Object.keys(device)) if (!DEVICE_KEYS.has(key)) problems.push(`unknown device key \`${key}\` (HA refuses it)`);
    if ([device.identifiers, device.connections].flat().filter((v) => v !== undefined).length === 0) problems.push("the device needs `identifiers` or `connections`");
  }
  const stateClass = config.state_class as string | undefined;
  if (stateClass !== undefined && !STATE_CLASSES.includes(stateClass)) problems.push(`state class \`${stateClass}\` is not one of HA's`);
  const deviceClass = config.device_class as string | undefined;
  if (deviceClass === undefined) return problems;
  const rule = DEVICE_CLASSES[deviceClass];
  if (!rule) return [...problems, `device class \`${deviceClass}\` is not one this check knows`];
  const unit = config.unit_of_measurement as string | undefined;
  if (!rule[0].includes(unit as string)) problems.push(`the unit of measurement \`${unit}\` is not valid together with device class \`${deviceClass}\``);
  if (stateClass !== undefined && !rule[1].includes(stateClass)) problems.push(`state class \`${stateClass}\` is not valid together with device class \`${deviceClass}\``);
  return problems;
}
