// The part of Node-RED's embedding API (node-red/lib/red.js) the gateway uses; the package ships
// no types of its own.
declare module "node-red" {
  import type { Server } from "node:http";
  import type { RequestHandler } from "express";

  interface NodeRed {
    init(server: Server, settings: Record<string, unknown>): void;
    start(): Promise<void>;
    stop(): Promise<void>;
    readonly httpAdmin: RequestHandler | undefined;
    readonly httpNode: RequestHandler;
    readonly nodes: { getNodeList(): Array<{ types: string[]; enabled: boolean; err?: string; module: string }> };
  }
  const RED: NodeRed;
  export default RED;
}
