// How often a board reports its analog pins, Firmata or simulated alike. The agent takes one reading
// a sampling round (10 s on the reference boards) and its safety loops act on those rounds, so a
// report a second is plenty; every report is a message for the Pi's core to parse and for
// johnny-five to filter. Digital inputs and counted pulses are reported on change, whatever this is.
// A Firmata board sampled every 5 s or slower (or the simulated one, which answers as
// StandardFirmata does) reports once a round instead, and is asked for its analog pins just before
// each round (analog-on-demand.ts).
export const PIN_REPORT_MS = 1_000;
