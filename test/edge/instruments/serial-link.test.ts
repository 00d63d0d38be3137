// A serial instrument's link over a pseudo-terminal: the adapter's stable name going is the link
// going, even while the open descriptor says nothing yet.
import { afterEach, describe, expect, it } from "vitest";
import { rmSync, symlinkSync } from "node:fs";
import { SerialLink } from "../../../edge/instruments/serial-link.ts";
import { openPty, type Pty } from "../../helpers/pty.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { testLog } from "../../helpers/test-log.ts";
import { waitFor } from "../../helpers/wait-for.ts";

describe("serial link", () => {
  let pty: Pty | undefined;
  let link: SerialLink | undefined;
  const dir = tempDir();
  afterEach(async () => {
    await link?.stop();
    await pty?.close();
    dir.remove();
  });

  it("goes down when the adapter's name disappears, with the pseudo-terminal still open, and comes back with it", async () => {
    pty = await openPty();
    const stable = `${dir.path}/usb-FTDI_FT232R_USB_UART`;
    symlinkSync(pty.path, stable);
    const chunks: Buffer[] = [];
    link = new SerialLink({ path: stable, baudRate: 19_200, log: testLog, onData: (c) => chunks.push(c), reopenMs: 100, checkPathMs: 100 });
    link.start();
    await waitFor("link open", () => link!.problem === undefined);
    pty.send(Buffer.from("hello"));
    await waitFor("data through the link", () => Buffer.concat(chunks).toString() === "hello");

    rmSync(stable);
    await waitFor("the link to notice the name is gone", () => link!.problem !== undefined, { timeoutMs: 5_000 });
    expect(link.problem).toMatch(/is gone|cannot open/);

    symlinkSync(pty.path, stable); // plugged in again
    await waitFor("link open again", () => link!.problem === undefined, { timeoutMs: 5_000 });
    pty.send(Buffer.from(" again"));
    await waitFor("data after the reopen", () => Buffer.concat(chunks).toString() === "hello again");
  });
});
