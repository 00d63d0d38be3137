// firmata-io ships no types; this covers the part the edge uses (the johnny-five IO plugin surface).
declare module "firmata-io" {
  import type { EventEmitter } from "node:events";
  interface FirmataBoard extends EventEmitter {
    isReady: boolean;
    name: string;
    transport: { close(cb?: (err?: Error | null) => void): void; isOpen?: boolean };
  }
  type FirmataConstructor = new (
    port: object,
    options?: { reportVersionTimeout?: number; skipCapabilities?: boolean; samplingInterval?: number },
    callback?: (err?: Error) => void,
  ) => FirmataBoard;
  function bindTransport(transport: unknown): FirmataConstructor;
  export default bindTransport;
}
