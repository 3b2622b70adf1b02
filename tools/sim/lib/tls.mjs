// A throw-away CA and server certificate, generated at every start with the
// openssl CLI. The CA certificate (PEM) is written to caOut; the keys never
// leave a private temporary directory.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export function makeCerts({ caOut, alg = "ec", hosts = ["127.0.0.1", "::1", "localhost"] }) {
  const dir = mkdtempSync(path.join(tmpdir(), "trigchat-sim-tls-"));
  const ossl = (...args) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  const keyArgs = alg === "rsa" ? ["-newkey", "rsa:2048"] : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
  try {
    ossl("req", "-x509", ...keyArgs, "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "7",
      "-subj", "/CN=trigchat simulator CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    ossl("req", ...keyArgs, "-nodes", "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=localhost");
    const san = hosts.map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(",");
    writeFileSync(path.join(dir, "ext.cnf"),
      `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${san}\n`);
    ossl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "srv.pem", "-days", "7", "-extfile", "ext.cnf");
    const ca = readFileSync(path.join(dir, "ca.pem"));
    const cert = readFileSync(path.join(dir, "srv.pem"));
    const key = readFileSync(path.join(dir, "srv.key"));
    mkdirSync(path.dirname(path.resolve(caOut)), { recursive: true });
    writeFileSync(caOut, ca);
    return { ca, cert, key, caPath: path.resolve(caOut) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
