import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { isAgentError } from "../errors";
import { queryA } from "./dnsmasq";
import { lookupUpstreams, stopUpstreamDaemon, UpstreamTable, upstreamDaemonPid, upstreamName } from "./upstream-table";

const dirs: string[] = [];

async function tempDir(name = "syntra-table-"): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), name));
  dirs.push(dir);
  return dir;
}

after(async () => {
  for (const dir of dirs) {
    await stopUpstreamDaemon(dir);
    await rm(dir, { recursive: true, force: true });
  }
});

/** What the table's dnsmasq answers for a service (sorted `ip:port`), through the route's resolver address. */
function served(table: UpstreamTable, serviceId: string, port = 8080): Promise<string[] | null> {
  return lookupUpstreams(table.resolverAddress("udp"), upstreamName(serviceId), port);
}

describe("UpstreamTable (dnsmasq)", () => {
  test("set and delete change what dnsmasq answers; unknown names are NXDOMAIN, other zones refused", async () => {
    const table = new UpstreamTable({ dir: await tempDir() });
    await table.start();
    try {
      const id = randomUUID();
      await table.set(id, ["10.1.0.2:8080", "10.1.0.3:8080"]);
      assert.deepEqual(await served(table, id), ["10.1.0.2:8080", "10.1.0.3:8080"]);
      await table.set(id, ["10.1.0.4:8080"]);
      assert.deepEqual(await served(table, id), ["10.1.0.4:8080"]);
      assert.deepEqual(table.get(id), ["10.1.0.4:8080"]);
      await table.delete(id);
      assert.equal(await served(table, id), null);
      const [host, port] = table.resolverAddress("udp").slice(4).split(":");
      assert.deepEqual(await queryA(host ?? "", Number(port), upstreamName(randomUUID())), [], "NXDOMAIN");
      assert.equal(await queryA(host ?? "", Number(port), "example.com"), null, "nothing is forwarded");
    } finally {
      await table.stop();
    }
  });

  test("a second table on the same directory (the next agent) adopts the running dnsmasq and its services", async () => {
    const dir = await tempDir();
    const first = new UpstreamTable({ dir });
    await first.start();
    const id = randomUUID();
    await first.set(id, ["10.2.0.2:3000"]);
    const pid = await upstreamDaemonPid(dir);
    // The agent goes (without stopping dnsmasq, as on a server); the next one starts.
    const next = new UpstreamTable({ dir });
    await next.start();
    assert.equal(await upstreamDaemonPid(dir), pid, "the same dnsmasq");
    assert.equal(next.resolverAddress("udp"), first.resolverAddress("udp"));
    assert.deepEqual(next.get(id), ["10.2.0.2:3000"]);
    await next.set(id, ["10.2.0.3:3000"]);
    assert.deepEqual(await served(next, id, 3000), ["10.2.0.3:3000"]);
    await first.stop();
  });

  test("a dnsmasq that died is started again: by the next agent from the files, or at the next change", async () => {
    const dir = await tempDir();
    const table = new UpstreamTable({ dir });
    await table.start();
    const id = randomUUID();
    await table.set(id, ["10.3.0.2:8080"]);
    const address = table.resolverAddress("udp");
    await stopUpstreamDaemon(dir);
    const next = new UpstreamTable({ dir });
    await next.start();
    assert.equal(next.resolverAddress("udp"), address, "on the port the routes name");
    assert.deepEqual(await served(next, id), ["10.3.0.2:8080"], "serving the table it had");
    // Killed again while this agent runs: the next change brings it back on the same port.
    await stopUpstreamDaemon(dir);
    await next.set(id, ["10.3.0.3:8080"]);
    assert.equal(next.resolverAddress("udp"), address);
    assert.deepEqual(await served(next, id), ["10.3.0.3:8080"]);
    await next.stop();
  });

  test("dnsmasq never takes a port it is told to avoid (the proxy's, not bound yet), not even its last one", async () => {
    const dir = await tempDir();
    const table = new UpstreamTable({ dir });
    await table.start();
    const id = randomUUID();
    await table.set(id, ["10.6.0.2:8080"]);
    const last = Number(table.resolverAddress("udp").split(":").at(-1));
    await stopUpstreamDaemon(dir);
    // The next agent's proxy is to listen on that port: its dnsmasq moves elsewhere, with the same table.
    const next = new UpstreamTable({ dir, avoidPorts: [last] });
    await next.start();
    assert.notEqual(Number(next.resolverAddress("udp").split(":").at(-1)), last);
    assert.deepEqual(await served(next, id), ["10.6.0.2:8080"]);
    await next.stop();
  });

  test("service ids that are not DNS labels stay inside the hosts directory, under a hash", async () => {
    const dir = await tempDir();
    const table = new UpstreamTable({ dir });
    await table.start();
    try {
      const hostile = ["../../etc/passwd", "a b;$(touch pwned)", "UPPER_case"];
      for (const [i, id] of hostile.entries()) await table.set(id, [`10.4.0.${i + 2}:80`]);
      for (const [i, id] of hostile.entries()) assert.deepEqual(await served(table, id, 80), [`10.4.0.${i + 2}:80`]);
      const files = await readdir(path.join(dir, "upstreams", "hosts"));
      assert.ok(
        files.every((f) => /^(_probe|h-[0-9a-f]{40})$/.test(f)),
        files.join(", "),
      );
      // The next agent reads back ids a route can have (not DNS labels, but valid ids); never the others.
      const again = new UpstreamTable({ dir });
      await again.start();
      assert.deepEqual(again.get("UPPER_case"), ["10.4.0.4:80"]);
      assert.equal(again.get("../../etc/passwd"), undefined);
      assert.equal(again.get("a b;$(touch pwned)"), undefined);
    } finally {
      await table.stop();
    }
  });

  test("dnsmasq's command line is an argv array: a directory with shell syntax in its name is just a name", async () => {
    const dir = await tempDir("syntra table $(touch pwned) 'q' ");
    const table = new UpstreamTable({ dir });
    await table.start();
    try {
      const id = randomUUID();
      await table.set(id, ["10.5.0.2:8080"]);
      assert.deepEqual(await served(table, id), ["10.5.0.2:8080"]);
      await assert.rejects(stat(path.join(process.cwd(), "pwned")));
      const log = await readFile(path.join(dir, "upstreams", "dnsmasq.log"), "utf8");
      assert.match(log, /read .*upstreams\/hosts\//);
    } finally {
      await table.stop();
    }
  });

  test("without dnsmasq: PROXY_UNAVAILABLE saying how to install it", async () => {
    const table = new UpstreamTable({ dir: await tempDir(), binary: "/nonexistent/dnsmasq" });
    await assert.rejects(
      table.start(),
      (err: unknown) => isAgentError(err, "PROXY_UNAVAILABLE") && /dnsmasq-base/.test(err.message),
    );
  });
});
