// Headless Chromium through playwright-core, on Debian's chromium package. Missing chromium is a
// failure that says how to install it, never a skip.
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CS_CHROMIUM ?? CANDIDATES.find((p) => existsSync(p));
  if (!executablePath) throw new Error("Chromium is needed for the dashboard tests: apt-get install -y chromium (or set CS_CHROMIUM to its path)");
  // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-dev-shm-usage"], headless: true });
}
