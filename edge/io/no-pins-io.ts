// The IO plugin of a board that is only the Pi's serial ports (a battery node on VE.Direct, a
// meter on RS-485): no pins, ready at once. It keeps the agent's path the same for every board.
import { EventEmitter } from "node:events";

export class NoPinsIo extends EventEmitter {
  readonly MODES = Object.freeze({ INPUT: 0, OUTPUT: 1, ANALOG: 2, PWM: 3, SERVO: 4 });
  readonly HIGH = 1;
  readonly LOW = 0;
  readonly name = "NoPins";
  readonly pins: never[] = [];
  readonly analogPins: never[] = [];
  isReady = false;

  constructor() {
    super();
    setImmediate(() => {
      this.emit("connect");
      this.isReady = true;
      this.emit("ready");
    });
  }

  normalize(pin: number): number {
    return pin;
  }

  pinMode(pin: number): this {
    throw new RangeError(`this board has no pins (pin ${pin}): its io is "instruments"`);
  }

  digitalWrite(pin: number): this {
    return this.pinMode(pin);
  }

  digitalRead(pin: number): this {
    return this.pinMode(pin);
  }

  analogRead(pin: number): this {
    return this.pinMode(pin);
  }

  close(): void {
    this.isReady = false;
  }
}
