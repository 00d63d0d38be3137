// A digital input: float switch, pump-running contact. Active-low inputs are wired to ground with
// the pull-up enabled, so a closed contact reads LOW.
import type { Driver } from "../sensors/channel.ts";
import { pinChannel } from "../sensors/pin-channel.ts";

export function digitalLevel(raw: number, activeLow: boolean): 0 | 1 {
  const high = raw ? 1 : 0;
  return (activeLow ? 1 - high : high) as 0 | 1;
}

export const digitalInputDriver: Driver<"digital-input"> = (sensor, ctx) => {
  const channel = pinChannel(sensor, ctx, { digital: true }, (raw) => ({ sensor: sensor.id, value: digitalLevel(raw, sensor.activeLow), unit: "bool", quality: "good" }));
  if (sensor.activeLow) enablePullUp(ctx.io, Number(sensor.pin));
  return channel;
};

/**
 * A contact to ground (a float switch) reads LOW when closed and floats when open: its input needs
 * the chip's pull-up. Firmata's PIN_MODE_PULLUP where the firmware offers it; older StandardFirmata
 * builds (such as the Uno build avrgirl-arduino ships, whose capability report has no PULLUP) take
 * the AVR's own way: an input written HIGH turns its pull-up on (ATmega328P datasheet §14.2.1).
 */
function enablePullUp(io: object, pin: number): void {
  const firmata = io as { MODES?: { INPUT: number; PULLUP?: number }; pins?: Array<{ supportedModes?: number[] }>; pinMode?(pin: number, mode: number): unknown; digitalWrite?(pin: number, value: number): unknown };
  const { MODES } = firmata;
  if (MODES?.PULLUP === undefined) return; // not Firmata: a simulated or Pi-only board
  if (firmata.pins?.[pin]?.supportedModes?.includes(MODES.PULLUP)) firmata.pinMode?.(pin, MODES.PULLUP);
  else {
    firmata.pinMode?.(pin, MODES.INPUT);
    firmata.digitalWrite?.(pin, 1);
  }
}
