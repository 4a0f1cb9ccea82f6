import assert from "node:assert/strict";
import { imageServiceBody } from "./fixtures";
import type { TestApp } from "./harness";
import type { RowOwner } from "./telemetry-rows";

/** An organization for telemetry query tests: its owner, a server and a project to make services in. */
export interface TelemetryOrg {
  owner: { cookie: string };
  orgId: string;
  serverId: string;
  projectId: string;
  /** A new service of the organization (in `project`, default the org's project): its rows' owner. */
  newService(project?: string): Promise<RowOwner>;
}

/** Signs up an owner of a new organization ("Acme") on `t`, with a server and a project ("Shop"). */
export async function setUpTelemetryOrg(t: TestApp): Promise<TelemetryOrg> {
  const s = await t.signup("owner@example.com", { orgName: "Acme" });
  const owner = { cookie: s.cookie };
  const serverId = (await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "s1" } })).body.data.server_id;
  const projectId = (await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Shop" } })).body.data.id;
  let n = 0;
  return {
    owner,
    orgId: s.orgId,
    serverId,
    projectId,
    async newService(project = projectId) {
      const res = await t.call("POST", `/api/v1/projects/${project}/services`, {
        as: owner,
        body: imageServiceBody(`svc-${++n}`, serverId),
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return { org_id: s.orgId, service_id: res.body.data.id, deployment_id: crypto.randomUUID() };
    },
  };
}
