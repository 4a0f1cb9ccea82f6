import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { eventually } from "@syntra/testing/eventually";
import { ensureTestImages } from "@syntra/testing/images";
import { type AgentErrorCode, isAgentError } from "../errors";
import { removeService, uniqueName } from "../testing/fixtures";
import { DockerRuntime, parseCpuLimit, parseMemoryLimit } from "./docker";
import { type ContainerInfo, type ContainerSpec, LABELS, type LogLine } from "./types";

const runtime = new DockerRuntime();
const serviceId = randomUUID();
const network = uniqueName("syn-rt");
const volume = uniqueName("syntra-test-vol");
let hostDir: string;
let web: ContainerInfo;

function spec(name: string, extra: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    name: uniqueName(`syn-rt-${name}`),
    image: "syntra-test/webapp:v1",
    env: { GREETING: "hello world", QUOTED: `it's "quoted"; $(not run)` },
    labels: { [LABELS.serviceId]: serviceId, [LABELS.managed]: "false", custom: "yes" },
    port: 8080,
    network: { name: network, aliases: [] },
    ...extra,
  };
}

async function expectCode(promise: Promise<unknown>, code: AgentErrorCode): Promise<void> {
  await assert.rejects(promise, (err: unknown) => isAgentError(err, code));
}

before(async () => {
  await ensureTestImages("v1");
  await runtime.ensureNetwork(network);
  hostDir = await mkdtemp(path.join(tmpdir(), "syntra-rt-"));
  await writeFile(path.join(hostDir, "note.txt"), "from the host");
  web = await runtime.run(
    spec("web", {
      cpuLimit: "0.5",
      memoryLimit: "64m",
      network: { name: network, aliases: ["web-alias"] },
      volumes: [
        { name: volume, container_path: "/data", read_only: false },
        { name: "hostdir", host_path: hostDir, container_path: "/host", read_only: true },
      ],
    }),
  );
});

after(async () => {
  await removeService(runtime.docker, serviceId, network);
  await runtime.docker
    .getVolume(volume)
    .remove()
    .catch(() => undefined);
  await rm(hostDir, { recursive: true, force: true });
});

describe("DockerRuntime", () => {
  test("version names the engine", async () => {
    const v = await runtime.version();
    assert.equal(v.name, "docker");
    assert.match(v.version, /^\d+\.\d+/);
  });

  test("run publishes no port: the app answers at its network address; labels, limits, env and restart policy", async () => {
    assert.equal(web.state, "running");
    assert.ok(web.networkIp);
    assert.equal(web.address, `${web.networkIp}:8080`);
    assert.equal(web.labels[LABELS.managed], "true", "a spec label cannot unmark a managed container");
    assert.equal(web.labels.custom, "yes");
    const res = await fetch(`http://${web.address}/`);
    assert.deepEqual({ status: res.status, body: await res.text() }, { status: 200, body: "v1" });

    const raw = await runtime.docker.getContainer(web.id).inspect();
    assert.equal(raw.HostConfig.NanoCpus, 500_000_000);
    assert.equal(raw.HostConfig.Memory, 64 * 1024 * 1024);
    assert.equal(raw.HostConfig.RestartPolicy?.Name, "unless-stopped");
    assert.deepEqual(raw.HostConfig.PortBindings ?? {}, {}, "no docker-proxy, no host port");
    assert.ok(raw.Config.Env.includes(`QUOTED=it's "quoted"; $(not run)`), "env values pass through verbatim");
  });

  test("a container from before ports went unpublished (no port label) is reached at its network address too", async () => {
    const created = await runtime.docker.createContainer({
      name: uniqueName("syn-rt-legacy"),
      Image: "syntra-test/webapp:v1",
      Labels: { [LABELS.managed]: "true", [LABELS.serviceId]: serviceId },
      ExposedPorts: { "8080/tcp": {}, "9999/tcp": {} },
      HostConfig: {
        PortBindings: { "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] },
        NetworkMode: network,
      },
    });
    await created.start();
    const legacy = await runtime.inspect(created.id);
    assert.equal(legacy?.address, `${legacy?.networkIp}:8080`);
    assert.equal((await fetch(`http://${legacy?.address}/`)).status, 200);
    await runtime.remove(created.id);
  });

  test("volumes: named read-write, host path read-only", async () => {
    const write = await runtime.exec(web.id, {
      argv: ["sh", "-c", "echo x > /data/f && cat /data/f"],
      timeoutSeconds: 5,
    });
    assert.deepEqual([write.exitCode, write.stdout], [0, "x\n"]);
    const read = await runtime.exec(web.id, { argv: ["cat", "/host/note.txt"], timeoutSeconds: 5 });
    assert.equal(read.stdout, "from the host");
    const denied = await runtime.exec(web.id, { argv: ["sh", "-c", "echo x > /host/new"], timeoutSeconds: 5 });
    assert.notEqual(denied.exitCode, 0);
  });

  test("exec returns exit code and separate stdout/stderr, with working dir and env", async () => {
    const result = await runtime.exec(web.id, {
      argv: ["sh", "-c", 'pwd; echo "$FOO"; echo oops >&2; exit 3'],
      workingDir: "/www",
      env: { FOO: "bar baz" },
      timeoutSeconds: 5,
    });
    assert.deepEqual(result, { exitCode: 3, stdout: "/www\nbar baz\n", stderr: "oops\n" });
    // argv is not a shell string: the metacharacters reach the program untouched.
    const literal = await runtime.exec(web.id, { argv: ["echo", "$(id); rm -rf /"], timeoutSeconds: 5 });
    assert.equal(literal.stdout, "$(id); rm -rf /\n");
  });

  test("exec past its timeout reports 124 / TIMEOUT and kills the command", async () => {
    const started = Date.now();
    const result = await runtime.exec(web.id, { argv: ["sleep", "30"], timeoutSeconds: 1 });
    assert.ok(Date.now() - started < 4000, "returns soon after the timeout");
    assert.equal(result.exitCode, 124);
    assert.equal(result.error?.code, "TIMEOUT");
    const procs = await runtime.exec(web.id, { argv: ["sh", "-c", "cat /proc/[0-9]*/comm"], timeoutSeconds: 5 });
    assert.doesNotMatch(procs.stdout, /sleep/);
  });

  test("another container on the network reaches the service by alias", async () => {
    const client = await runtime.run(spec("client"));
    const result = await runtime.exec(client.id, {
      argv: ["wget", "-q", "-O", "-", "http://web-alias:8080/"],
      timeoutSeconds: 10,
    });
    assert.equal(result.stdout, "v1");
    await runtime.remove(client.id);
  });

  test("logs: tail without follow, then follow until aborted", async () => {
    const tail: LogLine[] = [];
    await runtime.logs(web.id, { follow: false, tail: 100 }, (l) => tail.push(l), new AbortController().signal);
    const start = tail.find((l) => l.message === "webapp v1 starting");
    assert.equal(start?.stream, "stdout");
    assert.ok(tail.some((l) => l.stream === "stderr" && l.message === "webapp v1 stderr line"));
    assert.ok(!Number.isNaN(Date.parse(start?.timestamp ?? "")));

    const last: LogLine[] = [];
    await runtime.logs(web.id, { follow: false, tail: 1 }, (l) => last.push(l), new AbortController().signal);
    assert.equal(last.length, 1);

    const followed: LogLine[] = [];
    const controller = new AbortController();
    const following = runtime.logs(web.id, { follow: true, tail: 0 }, (l) => followed.push(l), controller.signal);
    // Each request logs a line; the stream may attach after the first ones, so send until one shows up.
    await eventually(
      async () => {
        await fetch(`http://${web.address}/healthz`);
        return followed.some((l) => l.message.includes("response:200"));
      },
      { what: "a new request showing up while following" },
    );
    controller.abort();
    await following;
  });

  test("stats gives CPU percent and memory", async () => {
    const stats = await runtime.stats(web.id);
    assert.ok(stats.cpuPercent >= 0);
    assert.ok(stats.memoryMb > 0 && stats.memoryMb < 64);
  });

  test("list filters by service; counts include every container", async () => {
    const mine = await runtime.list({ serviceId });
    assert.ok(mine.some((c) => c.id === web.id));
    assert.ok(mine.every((c) => c.labels[LABELS.serviceId] === serviceId));
    const counts = await runtime.containerCounts();
    assert.ok(counts.total >= counts.running && counts.running >= 1);
  });

  test("stop, restart and remove", async () => {
    const c = await runtime.run(spec("cycle"));
    await runtime.stop(c.id, 5);
    await runtime.stop(c.id, 5);
    assert.equal((await runtime.inspect(c.id))?.state, "exited");
    assert.equal((await runtime.inspect(c.id))?.address, null);
    await runtime.restart(c.id, 1);
    const restarted = await runtime.inspect(c.id);
    assert.equal(restarted?.state, "running");
    assert.ok(restarted?.address);
    await runtime.remove(c.id);
    await runtime.remove(c.id);
    assert.equal(await runtime.inspect(c.id), null);
  });

  test("a missing container is CONTAINER_NOT_FOUND", async () => {
    const missing = "does-not-exist-0000";
    assert.equal(await runtime.inspect(missing), null);
    await expectCode(runtime.stop(missing, 1), "CONTAINER_NOT_FOUND");
    await expectCode(runtime.restart(missing, 1), "CONTAINER_NOT_FOUND");
    await expectCode(runtime.exec(missing, { argv: ["true"], timeoutSeconds: 1 }), "CONTAINER_NOT_FOUND");
    await expectCode(runtime.stats(missing), "CONTAINER_NOT_FOUND");
    await expectCode(
      runtime.logs(missing, { follow: false, tail: 1 }, () => undefined, new AbortController().signal),
      "CONTAINER_NOT_FOUND",
    );
  });

  test("limits parse like Docker's", () => {
    assert.equal(parseMemoryLimit("256m"), 256 * 1024 ** 2);
    assert.equal(parseMemoryLimit("1g"), 1024 ** 3);
    assert.equal(parseMemoryLimit("512K"), 512 * 1024);
    assert.equal(parseCpuLimit("1.5"), 1_500_000_000);
    assert.throws(
      () => parseMemoryLimit("lots"),
      (err: unknown) => isAgentError(err, "VALIDATION_ERROR"),
    );
  });
});
