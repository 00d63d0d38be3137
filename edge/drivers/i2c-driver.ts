// What an I2C sensor driver declares: the writes that set the chip up, the register block read on
// every sample, and a pure conversion from those bytes to the sensor's unit. The channel binder
// (edge/sensors/i2c-channel.ts) does the bus work through the johnny-five IO plugin.
export interface I2cWrite {
  register: number;
  bytes: number[];
}

export interface I2cRead {
  register: number;
  bytes: number;
}

export interface I2cPlan<C> {
  /** Written once at start and again after the device stops answering. */
  setup: I2cWrite[];
  /** Read once at start (e.g. factory calibration), passed to convert as `constants`. */
  constants?: I2cRead[];
  /**
   * Read on every sample, in order; convert gets the bytes joined. Chips that do not advance
   * their register pointer on a long read (INA219, INA226) need one read per register.
   */
  sample: I2cRead[];
  /**
   * One-shot chips: this command starts a measurement before every sample, which is read waitMs
   * later. Nothing the chip held from before a brown-out can be read as a measurement.
   */
  measure?: { command: I2cWrite; waitMs: number };
  convert(bytes: number[], constants: number[][], config: C): number;
  /**
   * Why a sample shows the chip has lost its setup (a brown-out resets its registers while it
   * still answers), or undefined: the channel sets the chip up again and the reading is invalid.
   */
  forgotSetup?(bytes: number[]): string | undefined;
  /**
   * Why a sample cannot be believed until a second measurement says the same (a chip's reset value
   * straight after a real reading), or undefined. `previous` is the last sample believed.
   */
  doubt?(bytes: number[], previous: number[] | undefined): string | undefined;
}
