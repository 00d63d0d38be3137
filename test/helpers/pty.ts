// A pseudo-terminal standing in for a serial instrument's cable: the agent opens `path` with the
// real serialport binding; the test writes what the instrument sends and sees what it receives.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export interface Pty {
  path: string;
  /** Bytes the instrument sends. */
  send(bytes: Buffer): void;
  /** Bytes the agent wrote to the instrument, so far. */
  received: Buffer[];
  onReceive?: (bytes: Buffer) => void;
  close(): Promise<void>;
}

export async function openPty(): Promise<Pty> {
  const script = fileURLToPath(new URL("./pty-bridge.py", import.meta.url));
  const child = spawn("python3", [script], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  const path = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("error", (err) => reject(new Error(`python3 is needed for pseudo-terminal tests (apt-get install -y python3): ${err.message}`)));
  });
  const pty: Pty = {
    path,
    received: [],
    send: (bytes) => child.stdin.write(bytes.toString("hex") + "\n"),
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.stdin.end();
      }),
  };
  lines.on("line", (hex) => {
    const bytes = Buffer.from(hex, "hex");
    pty.received.push(bytes);
    pty.onReceive?.(bytes);
  });
  return pty;
}
