import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { DockerRuntime } from "../runtime/docker";
import { removeService, tempStateDir, testLogger, uniqueName, webappPayload } from "../testing/fixtures";
import { ensureTestImages, startTestCaddy } from "../testing/images";
import { Deployer } from "./deployer";
import { networkName } from "./naming";
import { ReceivedDeploys } from "./received";

test("a deploy accepted but not started when the agent died is reported failed by the next agent", async (t) => {
  await ensureTestImages("v1");
  const caddy = await startTestCaddy();
  const state = await tempStateDir();
  t.after(async () => {
    await caddy.stop();
    await state.remove();
  });
  // What the dead agent left: the deploy it accepted, still waiting behind the service's previous operation.
  const lost = { deploymentId: randomUUID(), serviceId: randomUUID(), receivedAt: new Date().toISOString() };
  await new ReceivedDeploys(state.dir).add(lost);

  const runtime = new DockerRuntime();
  const deployer = new Deployer({
    runtime,
    router: caddy.router,
    stateDir: state.dir,
    logger: testLogger(),
  });
  const statuses = await deployer.recover();
  const failed = statuses.find((s) => s.deployment_id === lost.deploymentId);
  assert.equal(failed?.status, "failed");
  assert.equal(failed?.service_id, lost.serviceId);
  assert.equal(failed?.error?.code, "AGENT_RESTARTED");
  assert.deepEqual(await new ReceivedDeploys(state.dir).list(), [], "reported once");
  assert.equal((await deployer.recover()).length, 0);

  // A deploy that runs to its end leaves nothing behind in the journal.
  const payload = webappPayload(uniqueName("journal"));
  const final = await deployer.deploy(payload, () => undefined);
  assert.equal(final.status, "running", final.message);
  assert.deepEqual(await new ReceivedDeploys(state.dir).list(), []);
  deployer.close();
  await removeService(runtime.docker, payload.service_id, networkName(payload));
});
