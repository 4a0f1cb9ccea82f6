import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { DeployPayload } from "@syntra/contracts";
import { ensureTestImages } from "@syntra/testing/images";
import { DockerRuntime } from "../runtime/docker";
import { startTestCaddy, type TestCaddy } from "../testing/caddy";
import { removeService, tempStateDir, testLogger, uniqueName, webappPayload } from "../testing/fixtures";
import { Deployer } from "./deployer";
import { networkName } from "./naming";

// A service answers on its internal_hostname to the other services of its project, over their project network,
// and to nobody else: not to another project's services, and on the host only on loopback (for the proxy).

const runtime = new DockerRuntime();
const cleanups: (() => Promise<void>)[] = [];
let caddy: TestCaddy;
let deployer: Deployer;

before(async () => {
  await ensureTestImages("v1");
  caddy = await startTestCaddy();
  const state = await tempStateDir();
  cleanups.push(state.remove);
  deployer = new Deployer({
    runtime,
    router: caddy.router,
    stateDir: state.dir,
    logger: testLogger(),
    drainSeconds: 0,
  });
});
after(async () => {
  deployer?.close();
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await caddy?.stop();
});

async function deployed(name: string, project: string): Promise<DeployPayload> {
  const payload = webappPayload(uniqueName(name), { project_name: project });
  cleanups.push(() => removeService(runtime.docker, payload.service_id, networkName(payload)));
  const final = await deployer.deploy(payload, () => undefined);
  assert.equal(final.status, "running", final.message);
  return payload;
}

async function runIn(from: DeployPayload, argv: string[]) {
  const [container] = (await runtime.list({ serviceId: from.service_id })).filter((c) => c.state === "running");
  assert.ok(container, "a running container to call from");
  return runtime.exec(container.id, { argv, timeoutSeconds: 10 });
}

/**
 * Resolves a name with Docker's embedded DNS from inside a container. busybox's own DNS client is used, and
 * requests go out with nc: the test image's static libc resolver crashes busybox's wget.
 */
function httpGetIn(from: DeployPayload, address: string) {
  return runIn(from, ["sh", "-c", `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${address} 8080`]);
}

async function resolveIn(from: DeployPayload, name: string): Promise<string | null> {
  const answer = await runIn(from, ["busybox", "nslookup", name, "127.0.0.11"]);
  const addresses = [...answer.stdout.matchAll(/^Address:\s+(\d+\.\d+\.\d+\.\d+)$/gm)].map((m) => m[1]);
  return addresses[0] ?? null;
}

test("internal hostnames resolve inside the project network only", async () => {
  const project = uniqueName("shop");
  const api = await deployed("api", project);
  const web = await deployed("web", project);
  const stranger = await deployed("stranger", uniqueName("other"));
  const name = api.networking.internal_hostname;

  const address = await resolveIn(web, name);
  assert.ok(address, `${name} resolves for a service of the same project`);
  const inside = await httpGetIn(web, address);
  assert.match(inside.stdout, /^HTTP\/1\.1 200 OK/);
  assert.match(inside.stdout, /\r\n\r\nv1$/);

  assert.equal(await resolveIn(stranger, name), null, "another project's services cannot resolve it");
  const direct = await httpGetIn(stranger, address);
  assert.doesNotMatch(direct.stdout, /200 OK/, "nor reach its address: the project networks are apart");

  const [container] = await runtime.list({ serviceId: api.service_id });
  const info = await runtime.docker.getContainer(container?.id ?? "").inspect();
  // The proxy on the host reaches containers at their network address; nothing listens on the host's interfaces.
  const bindings = Object.values(info.NetworkSettings.Ports ?? {}).flatMap((b) => b ?? []);
  assert.deepEqual(bindings, [], `published on the host: ${JSON.stringify(bindings)}`);
});
