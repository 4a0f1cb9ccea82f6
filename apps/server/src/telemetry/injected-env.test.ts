import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { MessageOf } from "@syntra/contracts";
import { AgentPeer } from "../testing/agent-peer";
import { imageServiceBody } from "../testing/fixtures";
import { createTestApp, type TestApp } from "../testing/harness";

let t: TestApp;
let owner: { cookie: string };
let projectId: string;
let peer: AgentPeer;
let serverId: string;
let n = 0;

before(async () => {
  t = await createTestApp({ SYNTRA_PUBLIC_URL: "https://syntra.example.com" });
  owner = await t.signup("owner@example.com", { orgName: "Acme" });
  const srv = await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "web-1" } });
  serverId = srv.body.data.server_id;
  projectId = (await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Shop" } })).body.data.id;
  peer = (await AgentPeer.online(await t.agentUrl(), srv.body.data.token, serverId)).peer;
});
after(async () => {
  await peer.close();
  await t.close();
});

async function newService(env: Record<string, string> = {}): Promise<string> {
  const res = await t.call("POST", `/api/v1/projects/${projectId}/services`, {
    as: owner,
    body: { ...imageServiceBody(`web-${++n}`, serverId), env_vars: env },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.data.id;
}

/** Deploys the service and returns the deploy command its agent received (answered, then driven to running). */
async function deployed(serviceId: string, body: Record<string, unknown> = {}): Promise<MessageOf<"deploy">> {
  const res = await t.call("POST", `/api/v1/services/${serviceId}/deploy`, { as: owner, body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const cmd = await peer.next("deploy", (m) => m.payload.service_id === serviceId);
  peer.respond(cmd.payload.request_id, { success: true, data: { accepted: true } });
  peer.send("deploy_status", {
    deployment_id: cmd.payload.deployment_id,
    service_id: serviceId,
    status: "running",
    phase: "cleanup",
    progress_percent: 100,
    message: "running",
    started_at: new Date().toISOString(),
    finished_at: new Date().toISOString(),
  });
  return cmd;
}

const ingestOf = async (serviceId: string) =>
  (await t.call("GET", `/api/v1/services/${serviceId}/ingest`, { as: owner })).body.data;

function resourceAttributes(value: string | undefined): Record<string, string> {
  return Object.fromEntries(
    (value ?? "").split(",").map((pair) => {
      const [k = "", v = ""] = pair.split("=");
      return [k, decodeURIComponent(v)];
    }),
  );
}

test("a deploy carries the OTel and Sentry variables: the agent's OTLP endpoint, the key, the deployment", async () => {
  const serviceId = await newService({ DATABASE_URL: "postgres://db/shop" });
  const ingest = await ingestOf(serviceId);
  const cmd = await deployed(serviceId, { image_tag: "v7" });
  assert.deepEqual(peer.invalid, []);
  const env = cmd.payload.config.env_vars;
  assert.equal(env.DATABASE_URL, "postgres://db/shop");
  assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, "http://host.docker.internal:4318");
  assert.equal(env.OTEL_EXPORTER_OTLP_PROTOCOL, "http/protobuf");
  assert.equal(env.OTEL_EXPORTER_OTLP_HEADERS, `x-syntra-key=${ingest.key}`);
  assert.equal(env.OTEL_SERVICE_NAME, cmd.payload.service_name);
  assert.deepEqual(resourceAttributes(env.OTEL_RESOURCE_ATTRIBUTES), {
    "deployment.id": cmd.payload.deployment_id,
    "service.version": "v7",
    "deployment.environment.name": "production",
    "service.namespace": "shop",
    "syntra.service.id": serviceId,
  });
  assert.equal(env.SYNTRA_DSN, `http://${ingest.key}@host.docker.internal:4318/${ingest.ingest_id}`);
  assert.equal(env.SENTRY_DSN, ingest.sentry_dsn);
  assert.equal(env.SENTRY_DSN, `https://${ingest.key}@syntra.example.com/${ingest.ingest_id}`);
  assert.equal(env.SENTRY_RELEASE, "v7");
  assert.equal(env.SENTRY_ENVIRONMENT, "production");

  // They are the deployment's, not the user's: the service's env var list does not show them.
  const listed = await t.call("GET", `/api/v1/services/${serviceId}/env`, { as: owner });
  assert.deepEqual(
    listed.body.data.map((v: { key: string }) => v.key),
    ["DATABASE_URL"],
  );
});

test("a variable the service sets itself wins; its own resource attributes are kept beside Syntra's", async () => {
  const serviceId = await newService({
    OTEL_SERVICE_NAME: "checkout",
    OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector.internal:4318",
    SENTRY_ENVIRONMENT: "staging",
    OTEL_RESOURCE_ATTRIBUTES: "team=payments,service.version=2.1.0",
  });
  const env = (await deployed(serviceId)).payload.config.env_vars;
  assert.equal(env.OTEL_SERVICE_NAME, "checkout");
  assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, "http://collector.internal:4318");
  assert.equal(env.SENTRY_ENVIRONMENT, "staging");
  const attributes = resourceAttributes(env.OTEL_RESOURCE_ATTRIBUTES);
  assert.equal(attributes.team, "payments");
  assert.equal(attributes["service.version"], "2.1.0");
  assert.ok(attributes["deployment.id"], "the deployment is still named");
  assert.equal(env.OTEL_RESOURCE_ATTRIBUTES?.split(",").filter((p) => p.startsWith("service.version=")).length, 1);
  // The ones it did not set are still injected.
  assert.equal(env.OTEL_EXPORTER_OTLP_PROTOCOL, "http/protobuf");
});

test("a key rotation reaches the next deploy", async () => {
  const serviceId = await newService();
  const first = (await deployed(serviceId)).payload.config.env_vars;
  const rotated = (await t.call("POST", `/api/v1/services/${serviceId}/ingest/rotate`, { as: owner })).body.data;
  assert.notEqual(first.OTEL_EXPORTER_OTLP_HEADERS, `x-syntra-key=${rotated.key}`);
  const second = (await deployed(serviceId)).payload.config.env_vars;
  assert.equal(second.OTEL_EXPORTER_OTLP_HEADERS, `x-syntra-key=${rotated.key}`);
  assert.match(second.SYNTRA_DSN ?? "", new RegExp(`^http://${rotated.key}@`));
  assert.match(second.SENTRY_DSN ?? "", new RegExp(`^https://${rotated.key}@`));
});
