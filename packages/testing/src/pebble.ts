// Debian's pebble (a small ACME CA for tests) and pebble-challtestsrv (its DNS server) on free loopback ports,
// one pair per test: `scripts/services/pebble.sh start` installs them. pebble validates every challenge at
// the ports it is told (httpPort for HTTP-01, tlsPort for TLS-ALPN-01) on the address the DNS server gives
// for the domain: 127.0.0.1 unless a test says otherwise, so point the ports at the test's Caddy.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import https from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { eventually } from "./eventually";
import { selfSignedCertificate } from "./openssl";
import { freePorts } from "./ports";

/** A running pebble and its DNS server. */
export interface TestPebble {
  /** The ACME directory, for Caddy's issuer `ca`. */
  directoryUrl: string;
  /** The CA of pebble's own HTTPS listener, for Caddy's `trusted_roots_pem_files` (and `SYNTRA_ACME_CA_ROOT`). */
  caRootPemPath: string;
  /** The root pebble issues certificates under (new at every start), PEM. */
  issuingRoot(): Promise<string>;
  /** The DNS server pebble resolves domains with (UDP and TCP on 127.0.0.1). */
  dnsPort: number;
  /** Makes the DNS server answer `host`'s A queries with these addresses instead of 127.0.0.1. */
  setDnsRecord(host: string, addresses: string[]): Promise<void>;
  /** Back to the default answer (127.0.0.1) for `host`. */
  removeDnsRecord(host: string): Promise<void>;
  /** What pebble printed, for failure diagnostics. */
  output(): Promise<string>;
  /** Ends both processes and removes their files. */
  stop(): Promise<void>;
}

/** Starts pebble and pebble-challtestsrv; pebble validates challenges at `httpPort` and `tlsPort`. */
export async function startPebble(options: { httpPort: number; tlsPort: number }): Promise<TestPebble> {
  const dir = await mkdtemp(path.join(tmpdir(), "syntra-pebble-"));
  const [acmePort = 0, managementPort = 0, dnsPort = 0, dnsManagementPort = 0] = await freePorts(4, [
    options.httpPort,
    options.tlsPort,
  ]);
  const listener = await selfSignedCertificate({ commonName: "Syntra test pebble", names: ["localhost", "127.0.0.1"] });
  const caRootPemPath = path.join(dir, "listener.pem");
  await writeFile(caRootPemPath, listener.certPem);
  await writeFile(path.join(dir, "listener.key"), listener.keyPem, { mode: 0o600 });
  await writeFile(
    path.join(dir, "pebble.json"),
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${acmePort}`,
        managementListenAddress: `127.0.0.1:${managementPort}`,
        certificate: caRootPemPath,
        privateKey: path.join(dir, "listener.key"),
        httpPort: options.httpPort,
        tlsPort: options.tlsPort,
        ocspResponderURL: "",
        externalAccountBindingRequired: false,
      },
    }),
  );

  const children: ChildProcess[] = [];
  const stop = async () => {
    process.off("exit", killAll);
    await Promise.all(children.map(terminate));
    await rm(dir, { recursive: true, force: true });
  };
  // A test process that dies leaves no CA behind on the machine.
  const killAll = () => {
    for (const child of children) child.kill("SIGKILL");
  };
  process.on("exit", killAll);
  try {
    children.push(
      await launch(dir, "challtestsrv", "pebble-challtestsrv", [
        "-defaultIPv4",
        "127.0.0.1",
        "-defaultIPv6",
        "",
        "-dns01",
        `127.0.0.1:${dnsPort}`,
        "-http01",
        "",
        "-https01",
        "",
        "-tlsalpn01",
        "",
        "-management",
        `127.0.0.1:${dnsManagementPort}`,
      ]),
    );
    children.push(
      await launch(
        dir,
        "pebble",
        "pebble",
        ["-config", path.join(dir, "pebble.json"), "-dnsserver", `127.0.0.1:${dnsPort}`],
        {
          // Validate at once (no random sleeps) and never reject a good nonce: fast, repeatable tests.
          PEBBLE_VA_NOSLEEP: "1",
          PEBBLE_WFE_NONCEREJECT: "0",
        },
      ),
    );
    const ca = listener.certPem;
    const started = { what: "pebble's start", timeoutMs: 15_000, diagnostic: () => logsOf(dir) };
    await eventually(() => httpsGet(`https://127.0.0.1:${acmePort}/dir`, ca).then(() => true), started);
    await eventually(() => management(dnsManagementPort, "/clear-a", { host: "ready.test" }).then(() => true), started);
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    directoryUrl: `https://127.0.0.1:${acmePort}/dir`,
    caRootPemPath,
    issuingRoot: () => httpsGet(`https://127.0.0.1:${managementPort}/roots/0`, listener.certPem),
    dnsPort,
    setDnsRecord: (host, addresses) => management(dnsManagementPort, "/add-a", { host, addresses }),
    removeDnsRecord: (host) => management(dnsManagementPort, "/clear-a", { host }),
    output: () => readFile(path.join(dir, "pebble.log"), "utf8").catch(() => ""),
    stop,
  };
}

async function launch(
  dir: string,
  name: string,
  binary: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<ChildProcess> {
  const log = await open(path.join(dir, `${name}.log`), "a");
  try {
    const child = spawn(binary, args, { stdio: ["ignore", log.fd, log.fd], env: { ...process.env, ...env } });
    const failed = await Promise.race([
      new Promise<Error>((resolve) => child.once("error", resolve)),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 50)),
    ]);
    if (failed) throw new Error(`Could not run ${binary} (run scripts/services/pebble.sh start): ${failed.message}`);
    return child;
  } finally {
    await log.close();
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}

async function logsOf(dir: string): Promise<string> {
  const logs = await Promise.all(
    ["pebble", "challtestsrv"].map((n) => readFile(path.join(dir, `${n}.log`), "utf8").catch(() => "")),
  );
  return logs.join("\n").slice(-2000);
}

/** GET over HTTPS trusting only `ca`; the body as text. */
function httpsGet(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, timeout: 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        body += chunk;
      });
      res.on("end", () =>
        res.statusCode === 200 ? resolve(body) : reject(new Error(`${url} answered ${res.statusCode}: ${body}`)),
      );
    });
    req.on("timeout", () => req.destroy(new Error(`${url} timed out`)));
    req.on("error", reject);
  });
}

async function management(port: number, pathname: string, body: unknown): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}${pathname}`, { method: "POST", body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`pebble-challtestsrv ${pathname} answered ${res.status}: ${text}`);
}
