// Ultrasonic level sensor looking down into a tank: HC-SR04 indoors, the waterproof JSN-SR04T in
// a cistern. Both answer a trigger with an echo pulse as long as the sound's round trip (HC-SR04
// datasheet: distance = echo time x speed of sound / 2; uS / 58 = cm at 20 °C). Speed of sound in
// air: 331.3 + 0.606 x T m/s. JSN-SR04T cannot see closer than about 20 cm (its blind zone), and
// no echo at all comes back as a timeout (0 or the maximum pulse).
export interface UltrasonicConfig {
  /** Distance from the sensor face to the tank floor, metres. */
  mountHeightM: number;
  /** Closest distance the sensor can measure (blind zone), metres. */
  minDistanceM: number;
  /** Air temperature in the tank, for the speed of sound. */
  airCelsius: number;
}

export function echoDistanceM(echoMicros: number, airCelsius: number): number {
  const speed = 331.3 + 0.606 * airCelsius;
  return (echoMicros * 1e-6 * speed) / 2;
}

/** Liquid height above the floor, metres; throws with what to check when the echo is implausible. */
export function liquidHeightM(echoMicros: number, c: UltrasonicConfig): number {
  if (!(echoMicros > 0)) throw new Error("no echo: check the transducer cable, or foam and condensation on its face");
  const d = echoDistanceM(echoMicros, c.airCelsius);
  if (d < c.minDistanceM) throw new Error(`echo at ${d.toFixed(2)} m is inside the blind zone: the tank is overfull or something sits under the sensor`);
  if (d > c.mountHeightM + 0.1) throw new Error(`echo at ${d.toFixed(2)} m is below the tank floor: the sensor hears a side wall or a ladder, realign it`);
  return Math.max(0, c.mountHeightM - d);
}
