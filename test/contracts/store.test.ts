import { EmbeddedStore } from "../../gateway/store/embedded-store.ts";
import { InfluxStore } from "../../gateway/store/influx-store.ts";
import { startInfluxd } from "../helpers/start-influxd.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { storeContract } from "./store.contract.ts";

storeContract("embedded SQLite", async () => {
  const dir = tempDir();
  return { store: new EmbeddedStore({ dataDir: dir.path }), dispose: async () => dir.remove() };
});

storeContract("InfluxDB 1.x", async () => {
  const influxd = await startInfluxd();
  return { store: new InfluxStore({ url: influxd.url, database: "contract" }), dispose: () => influxd.dispose() };
});
