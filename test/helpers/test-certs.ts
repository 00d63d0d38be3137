// A throwaway CA and a server certificate for 127.0.0.1, made with openssl for TLS tests. Fails,
// never skips, when openssl is missing.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./temp-dir.ts";

export interface TestCerts {
  caFile: string;
  certFile: string;
  keyFile: string;
  /** A second CA that signed nothing here: trusting it must not let a client in. */
  otherCaFile: string;
  remove(): void;
}

function openssl(cwd: string, args: string[]): void {
  const run = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (run.error) throw new Error("openssl is not installed: the TLS tests make their certificates with it. Install it with `apt-get install -y openssl`.");
  if (run.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${run.stderr}`);
}

export function makeTestCerts(): TestCerts {
  const dir = tempDir("cs-certs-");
  const at = (f: string) => join(dir.path, f);
  for (const ca of ["ca", "other-ca"]) {
    openssl(dir.path, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${ca}.key`, "-out", `${ca}.crt`, "-days", "2", "-subj", `/CN=commons-sense-${ca}`]);
  }
  openssl(dir.path, ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"]);
  writeFileSync(at("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  openssl(dir.path, ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "san.ext"]);
  return { caFile: at("ca.crt"), certFile: at("server.crt"), keyFile: at("server.key"), otherCaFile: at("other-ca.crt"), remove: () => dir.remove() };
}
