import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE_IMAGE, buildFixtureImage, FIXTURE_LABEL, WEBAPP_PORT } from "@syntra/testing/images";
import { get } from "@syntra/testing/traffic";
import Dockerode from "dockerode";
import { LABELS } from "../apps/agent/src/runtime/types";
import { createRoutedService, deployAndWait, type Stack, startStack, waitDeployment } from "./stack";

const docker = new Dockerode();
const NOTES = "notes.e2e.test";
const OTHER = "other-notes.e2e.test";
let stack: Stack;
let notesId: string;
let otherId: string;
const v1 = { id: "" };

/**
 * `syntra-test/notes:<tag>`: busybox httpd serving its tag at `/`, and a CGI handler that keeps notes in the
 * volume: `/cgi-bin/notes?<text>` appends a line to /data/notes, every request answers the whole file.
 */
function notesImage(tag: string): Promise<string> {
  const handler = [
    "#!/bin/sh",
    '[ -n "$QUERY_STRING" ] && echo "$QUERY_STRING" >> /data/notes',
    'echo "Content-Type: text/plain"',
    "echo",
    "cat /data/notes 2>/dev/null",
    "exit 0",
    "",
  ].join("\n");
  // SIGTERM ends the app at once: busybox httpd as PID 1 would ignore it and every stop would wait for SIGKILL.
  const script = `httpd -f -p ${WEBAPP_PORT} -h /www & trap 'kill $!; exit 0' TERM INT; wait`;
  return buildFixtureImage(docker, {
    ref: `syntra-test/notes:${tag}`,
    files: { "www/index.html": tag, "www/healthz": "ok", "www/cgi-bin/notes": handler },
    executable: ["www/cgi-bin/notes"],
    dockerfile: (hash) =>
      [
        `FROM ${BASE_IMAGE}`,
        "COPY www /www",
        `LABEL ${FIXTURE_LABEL}="${hash}"`,
        `EXPOSE ${WEBAPP_PORT}`,
        `CMD ${JSON.stringify(["sh", "-c", script])}`,
        "",
      ].join("\n"),
  });
}

/** A notes service in a project of its own, with a named volume `data` at /data. */
function createNotesService(name: string, domain: string): Promise<string> {
  return createRoutedService(stack, name, domain, {
    source_type: "image",
    source_config: { image: "syntra-test/notes", tag: "v1" },
    replicas: 1,
    volumes: [{ name: "data", container_path: "/data" }],
  });
}

const served = async (domain: string, path = "/") => {
  const res = await get(stack.caddy.httpPort, domain, path);
  assert.equal(res.status, 200, `${domain}${path}: ${res.status} ${res.body}`);
  return res.body.trim();
};
const notes = (domain: string, add?: string) => served(domain, `/cgi-bin/notes${add ? `?${add}` : ""}`);

async function exec(serviceId: string, command: string[]) {
  const res = await stack.t.call("POST", `/api/v1/services/${serviceId}/exec`, { as: stack.owner, body: { command } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data as { exit_code: number; stdout: string };
}

async function scale(serviceId: string, replicas: number) {
  const res = await stack.t.call("POST", `/api/v1/services/${serviceId}/scale`, {
    as: stack.owner,
    body: { replicas },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

const volumeOf = (serviceId: string) => `syntra-${serviceId}-data`;
const volumeExists = (name: string) =>
  docker
    .getVolume(name)
    .inspect()
    .then(
      () => true,
      () => false,
    );

before(async () => {
  await Promise.all([notesImage("v1"), notesImage("v2")]);
  stack = await startStack();
  notesId = await createNotesService("notes", NOTES);
  otherId = await createNotesService("memo", OTHER);
});
after(async () => {
  await stack?.close();
  // The test's own leftovers: containers the deleted services left, then their volumes.
  for (const id of [notesId, otherId].filter(Boolean)) {
    const left = await docker.listContainers({ all: true, filters: { label: [`${LABELS.serviceId}=${id}`] } });
    await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true })));
    await docker
      .getVolume(volumeOf(id))
      .remove()
      .catch(() => undefined);
  }
});

test("data written into the volume survives a redeploy and a rollback", async () => {
  const first = await deployAndWait(stack, notesId, { image_tag: "v1", strategy: "rolling" });
  assert.equal(first.status, "running", first.error_message ?? "");
  v1.id = first.id;
  assert.equal(await served(NOTES), "v1");
  assert.equal(await notes(NOTES, "written-over-http"), "written-over-http", "the app writes into its volume");
  const wrote = await exec(notesId, ["sh", "-c", "echo written-by-exec >> /data/notes"]);
  assert.equal(wrote.exit_code, 0);
  assert.equal(await notes(NOTES), "written-over-http\nwritten-by-exec");

  const second = await deployAndWait(stack, notesId, { image_tag: "v2", strategy: "rolling" });
  assert.equal(second.status, "running", second.error_message ?? "");
  assert.equal(await served(NOTES), "v2");
  assert.equal(await notes(NOTES), "written-over-http\nwritten-by-exec", "v2 sees v1's data");

  const res = await stack.t.call("POST", `/api/v1/services/${notesId}/rollback`, {
    as: stack.owner,
    body: { deployment_id: v1.id },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal((await waitDeployment(stack, res.body.data.id)).status, "running");
  assert.equal(await served(NOTES), "v1", "the rollback goes back in code");
  assert.equal(await notes(NOTES), "written-over-http\nwritten-by-exec", "not in data");

  // What runs is mounted on the service's own Docker volume.
  const running = await docker.listContainers({ filters: { label: [`${LABELS.serviceId}=${notesId}`] } });
  assert.equal(running.length, 1);
  assert.deepEqual(
    running[0]?.Mounts.map((m) => [m.Type, m.Name, m.Destination]),
    [["volume", volumeOf(notesId), "/data"]],
  );
});

test("a service of another project with a volume of the same name has data of its own", async () => {
  const d = await deployAndWait(stack, otherId, { image_tag: "v1", strategy: "blue_green" });
  assert.equal(d.status, "running", d.error_message ?? "");
  assert.equal(await notes(OTHER), "", "it does not see the first service's notes");
  assert.equal(await notes(OTHER, "other-note"), "other-note");
  assert.equal(await notes(NOTES), "written-over-http\nwritten-by-exec", "nor does the first see its notes");
});

test("containers removed (scaled to 0) and a deleted service leave the named volume and its data", async () => {
  await scale(notesId, 0);
  const left = await docker.listContainers({ all: true, filters: { label: [`${LABELS.serviceId}=${notesId}`] } });
  assert.deepEqual(
    left.filter((c) => c.State === "running").map((c) => c.Names),
    [],
    "no container of the service runs",
  );
  assert.ok(await volumeExists(volumeOf(notesId)));
  await scale(notesId, 1);
  assert.equal(await notes(NOTES), "written-over-http\nwritten-by-exec", "a new container finds the data");

  const removed = await stack.t.call("DELETE", `/api/v1/services/${notesId}`, { as: stack.owner });
  assert.equal(removed.status, 204);
  const after = await docker.listContainers({ all: true, filters: { label: [`${LABELS.serviceId}=${notesId}`] } });
  assert.deepEqual(after, [], "the agent removed the deleted service's containers");
  assert.ok(await volumeExists(volumeOf(notesId)), "data is never deleted implicitly");
});
