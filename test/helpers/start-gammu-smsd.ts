// gammu-smsd (Debian's gammu-smsd) with Gammu's dummy phone driver: the modem a village would run
// for SMS alarms, with a phone emulated in a folder by Gammu's own code. Messages go through its
// files outbox; what it sent is in its log. Fails, never skips, when gammu-smsd is not installed.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "./wait-for.ts";
import { stopChild } from "./stop-child.ts";

export interface GammuSmsd {
  config: string;
  outbox: string;
  /** Texts gammu-smsd sent on the dummy phone, with their numbers, from its log. */
  sent(): { number: string; text: string }[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

function requireGammu(): void {
  for (const bin of ["gammu-smsd", "gammu-smsd-inject"]) {
    if (!spawnSync("sh", ["-c", `command -v ${bin}`], { encoding: "utf8" }).stdout.trim()) {
      throw new Error(`${bin} is not installed: the SMS alarm tests need Gammu's SMS daemon. Install it with \`apt-get install -y gammu-smsd\`.`);
    }
  }
}

/** Its configuration in `dir`; the outbox folder is made only when `withOutbox` (a missing one makes hand-overs fail). */
export function gammuSmsd(dir: string, options: { withOutbox?: boolean } = {}): GammuSmsd {
  requireGammu();
  const path = (p: string) => join(dir, p);
  for (const d of ["phone", "inbox", "sent", "error"]) mkdirSync(path(d), { recursive: true });
  if (options.withOutbox !== false) mkdirSync(path("outbox"), { recursive: true });
  const config = path("smsdrc");
  writeFileSync(config, `[gammu]
device = ${path("phone")}
connection = none
model = dummy

[smsd]
service = files
inboxpath = ${path("inbox")}/
outboxpath = ${path("outbox")}/
sentsmspath = ${path("sent")}/
errorsmspath = ${path("error")}/
logfile = ${path("smsd.log")}
debuglevel = 1
commtimeout = 1
sendtimeout = 5
loopsleep = 1
checksecurity = 0
checkbattery = 0
checksignal = 0
checknetwork = 0
`);
  let child: ChildProcess | undefined;
  return {
    config,
    outbox: path("outbox"),
    sent() {
      const log = existsSync(path("smsd.log")) ? readFileSync(path("smsd.log"), "utf8") : "";
      return [...log.matchAll(/Found \d+ sms to "([^"]+)" with text "([^"]*)"/g)].map((m) => ({ number: m[1], text: m[2] }));
    },
    async start() {
      child = spawn("gammu-smsd", ["-c", config], { stdio: "ignore" });
      await waitFor("gammu-smsd talking to its phone", () => existsSync(path("smsd.log")) && readFileSync(path("smsd.log"), "utf8").includes("Starting phone communication"), { timeoutMs: 10_000 });
    },
    stop: () => stopChild(child),
  };
}
