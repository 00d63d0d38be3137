// A gateway alone on loopback with free ports and the embedded store, for ingest and API tests.
import { loadBoardDir } from "../../protocol/board/load.ts";
import { parseGatewayConfig } from "../../gateway/config/load.ts";
import type { GatewayConfigInput } from "../../gateway/config/schema.ts";
import { Gateway } from "../../gateway/gateway.ts";
import { tempDir } from "./temp-dir.ts";
import { testLog } from "./test-log.ts";

export async function startTestGateway(overrides: Partial<GatewayConfigInput> = {}, boards = loadBoardDir("boards")) {
  const dir = tempDir("cs-gw-");
  const config = parseGatewayConfig(
    // A harness for ingest and API tests: writes open to anyone on loopback, as a village would have
    // to choose on purpose (http.anonymousWrites). The security tests override http and start from
    // the defaults (test/gateway/security/).
    { dataDir: dir.path, mqtt: { host: "127.0.0.1", port: 0, requireIdentity: false }, http: { host: "127.0.0.1", port: 0, anonymousWrites: true }, nodeRed: { enabled: false }, ...overrides },
    "test",
  );
  const gateway = new Gateway({ config, boards, log: testLog });
  await gateway.start();
  return {
    gateway,
    async stop() {
      await gateway.stop();
      dir.remove();
    },
  };
}
