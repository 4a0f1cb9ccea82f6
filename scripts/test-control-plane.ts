// A real control plane for tests written in other languages (the Python SDK's pytest suite): the server's test
// harness (PGlite or TEST_DATABASE_URL, chDB or TEST_CLICKHOUSE_URL) listening on a loopback port.
// Protocol on stdio, one JSON object per line: it prints {"base": "http://127.0.0.1:<port>"} once ready; each line
// `{"service": "<email>"}` read from stdin makes an organization with a project and a service, answered with
// {"dsn", "key", "cookie", "project_id", "service_id"}. It exits when stdin closes.
// Usage: node --import tsx scripts/test-control-plane.ts
import { createInterface } from "node:readline";
import { serviceOfNewOrg } from "../apps/server/src/testing/error-fixtures";
import { createTestApp } from "../apps/server/src/testing/harness";

const t = await createTestApp({ SYNTRA_OPEN_SIGNUP: "true" });
const base = (await t.agentUrl()).replace(/^ws/, "http").replace(/\/agent\/ws$/, "");
const say = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
say({ base });

async function newService(email: string) {
  const org = await serviceOfNewOrg(t, email);
  const res = await t.call("GET", `/api/v1/services/${org.serviceId}/ingest`, { as: org.owner });
  if (res.status !== 200) throw new Error(`ingest: ${res.status} ${JSON.stringify(res.body)}`);
  const { key, ingest_id } = res.body.data;
  return {
    dsn: `${base.replace("://", `://${key}@`)}/${ingest_id}`,
    key,
    cookie: org.owner && "cookie" in org.owner ? org.owner.cookie : "",
    project_id: org.projectId,
    service_id: org.serviceId,
  };
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  try {
    const request = JSON.parse(line) as { service?: string };
    if (request.service) say(await newService(request.service));
  } catch (err) {
    say({ error: String(err) });
  }
}
await t.close();
process.exit(0);
