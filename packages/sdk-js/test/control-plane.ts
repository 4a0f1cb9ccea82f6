import assert from "node:assert/strict";
import { serviceOfNewOrg } from "../../../apps/server/src/testing/error-fixtures";
import { type Credential, createTestApp, type TestApp } from "../../../apps/server/src/testing/harness";

// A real control plane for the SDK's tests: the server's test harness (PGlite or TEST_DATABASE_URL, chDB or
// TEST_CLICKHOUSE_URL) listening on a loopback port, and services made through its API whose DSNs the SDK uses.

/** A control plane listening on loopback. */
export interface ControlPlane {
  t: TestApp;
  /** `http://127.0.0.1:<port>` */
  base: string;
  close(): Promise<void>;
}

/** Starts a control plane (each test file starts one; chDB is shared in the process). */
export async function startControlPlane(env: Record<string, string> = {}): Promise<ControlPlane> {
  const t = await createTestApp({ SYNTRA_OPEN_SIGNUP: "true", ...env });
  const base = (await t.agentUrl()).replace(/^ws/, "http").replace(/\/agent\/ws$/, "");
  return { t, base, close: () => t.close() };
}

// biome-ignore lint/suspicious/noExplicitAny: answers of the API are arbitrary JSON in tests
type Json = any;

/** A service of a new organization, with its DSN and ways to read what arrived. */
export interface TestService {
  owner: Credential;
  orgId: string;
  projectId: string;
  serviceId: string;
  dsn: string;
  key: string;
  issues(): Promise<Json[]>;
  events(issueId: string): Promise<Json[]>;
  /** Every event of every issue, newest issue first. */
  allEvents(): Promise<Json[]>;
  api(method: string, url: string, body?: unknown): Promise<Json>;
}

/** Signs up an organization with a project and a service, and reads the service's DSN from the ingest API. */
export async function newService(cp: ControlPlane, email: string): Promise<TestService> {
  const org = await serviceOfNewOrg(cp.t, email);
  const api = async (method: string, url: string, body?: unknown) => {
    const res = await cp.t.call(method, url, { as: org.owner, body });
    assert.ok(res.status < 300, `${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const ingest = (await api("GET", `/api/v1/services/${org.serviceId}/ingest`)).data;
  // The API's dsn names SYNTRA_PUBLIC_URL; the test's control plane listens on its own port.
  const dsn = `${cp.base.replace("://", `://${ingest.key}@`)}/${ingest.ingest_id}`;
  const issues = async () => (await api("GET", `/api/v1/projects/${org.projectId}/issues?limit=100`)).data;
  const events = async (id: string) => (await api("GET", `/api/v1/issues/${id}/events?limit=100`)).data;
  return {
    ...org,
    dsn,
    key: ingest.key,
    issues,
    events,
    allEvents: async () => (await Promise.all((await issues()).map((i: Json) => events(i.id)))).flat(),
    api,
  };
}
