import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ingestErrorEvents } from "../issues/ingest";
import { errorEventFixture } from "../testing/error-fixtures";
import { imageServiceBody } from "../testing/fixtures";
import { type ApiAnswer, type Credential, createTestApp, type TestApp } from "../testing/harness";

// Two organizations on one installation: whatever org B's owner tries with org A's ids answers 404 (or 422 for a
// reference inside a body), never shows org A's data, and leaves org A as it was.

/** Names and values of org A's resources, none of which may reach org B. */
const ALPHA_SECRETS = [
  "Alpha Corp",
  "alpha-server",
  "alpha-tag",
  "Alpha Project",
  "alpha-description",
  "alpha-web",
  "ALPHA_KEY",
  "alpha-s3cret",
  "alpha-owner@",
  "alpha-dev@",
  "alpha-invitee@",
  "alpha-token",
  "alpha-boom",
];

interface Alpha {
  org: string;
  owner: string;
  developer: string;
  server: string;
  project: string;
  service: string;
  invitation: string;
  issue: string;
  tokenId: string;
  token: Credential;
  cookie: Credential;
}

let t: TestApp;
let alpha: Alpha;
let bravo: {
  cookie: Credential;
  token: Credential;
  server: string;
  project: string;
  service: string;
  issue: string;
};
let alphaBefore: Record<string, unknown>;

/** Makes a call that must succeed, and returns its data. */
// biome-ignore lint/suspicious/noExplicitAny: answers are arbitrary JSON
async function ok(as: Credential, method: string, url: string, body?: unknown): Promise<any> {
  const res = await t.call(method, url, { as, body });
  if (res.status >= 300) throw new Error(`setup ${method} ${url} failed ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body?.data;
}

/** The secrets of org A an answer gives away (ids too, with `withIds`). */
function leaked(res: ApiAnswer, withIds = false): string[] {
  const text = JSON.stringify(res.body);
  const ids = withIds ? [alpha.org, alpha.owner, alpha.developer, alpha.server, alpha.project, alpha.service] : [];
  return [...ALPHA_SECRETS, ...ids, ...(withIds ? [alpha.invitation, alpha.tokenId] : [])].filter((s) =>
    text.includes(s),
  );
}

/** Everything org A's owner can see of org A, to compare after org B's attempts. */
async function snapshotAlpha(): Promise<Record<string, unknown>> {
  const urls = [
    "/api/v1/org",
    "/api/v1/org/members",
    "/api/v1/org/invitations",
    "/api/v1/tokens",
    "/api/v1/servers",
    `/api/v1/servers/${alpha.server}`,
    `/api/v1/projects/${alpha.project}`,
    `/api/v1/services/${alpha.service}`,
    `/api/v1/services/${alpha.service}/env?reveal=true`,
    `/api/v1/projects/${alpha.project}/issues`,
    `/api/v1/issues/${alpha.issue}`,
    `/api/v1/issues/${alpha.issue}/events`,
  ];
  const snapshot: Record<string, unknown> = {};
  for (const url of urls) snapshot[url] = await ok(alpha.cookie, "GET", url);
  return snapshot;
}

async function setUpAlpha(): Promise<Alpha> {
  const owner = await t.signup("alpha-owner@example.com", { orgName: "Alpha Corp" });
  const cookie = { cookie: owner.cookie };
  const server = (await ok(cookie, "POST", "/api/v1/servers", { name: "alpha-server", tags: ["alpha-tag"] })).server_id;
  const project = (
    await ok(cookie, "POST", "/api/v1/projects", { name: "Alpha Project", description: "alpha-description" })
  ).id;
  const service = (
    await ok(cookie, "POST", `/api/v1/projects/${project}/services`, imageServiceBody("alpha-web", server))
  ).id;
  await ok(cookie, "PUT", `/api/v1/services/${service}/env`, {
    variables: [{ key: "ALPHA_KEY", value: "alpha-s3cret" }],
  });
  const developer = await t.member(cookie, "alpha-dev@example.com", "developer");
  const invitation = await ok(cookie, "POST", "/api/v1/org/invitations", { email: "alpha-invitee@example.com" });
  const token = await ok(cookie, "POST", "/api/v1/tokens", { name: "alpha-token" });
  const boom = errorEventFixture(service, { type: "AlphaError", message: "alpha-boom in checkout" });
  const issue = (await ingestErrorEvents(t.deps, { serviceId: service }, [boom])).issues[0]?.id ?? "";
  return {
    org: owner.orgId,
    owner: owner.userId,
    developer: developer.userId,
    server,
    project,
    service,
    invitation: invitation.id,
    issue,
    tokenId: token.id,
    token: { token: token.token },
    cookie,
  };
}

before(async () => {
  t = await createTestApp({ SYNTRA_OPEN_SIGNUP: "true" });
  alpha = await setUpAlpha();
  const owner = await t.signup("bravo-owner@example.com", { orgName: "Bravo Inc" });
  assert.notEqual(owner.orgId, alpha.org, "open sign-up must give the second user an organization of their own");
  const cookie = { cookie: owner.cookie };
  const server = (await ok(cookie, "POST", "/api/v1/servers", { name: "bravo-server" })).server_id;
  const project = (await ok(cookie, "POST", "/api/v1/projects", { name: "Bravo Project" })).id;
  const service = (
    await ok(cookie, "POST", `/api/v1/projects/${project}/services`, imageServiceBody("bravo-web", server))
  ).id;
  const token = { token: (await ok(cookie, "POST", "/api/v1/tokens", { name: "bravo-token" })).token };
  const boom = errorEventFixture(service, { type: "BravoError" });
  const issue = (await ingestErrorEvents(t.deps, { serviceId: service }, [boom])).issues[0]?.id ?? "";
  bravo = { cookie, token, server, project, service, issue };
  alphaBefore = await snapshotAlpha();
});
after(() => t.close());

/** Every call org B could make on org A's resources by id. */
function callsOnAlpha(): Array<[method: string, url: string, body?: unknown]> {
  const { server, project, service, developer, owner, invitation, tokenId, issue } = alpha;
  return [
    ["GET", `/api/v1/servers/${server}`],
    ["GET", `/api/v1/servers/${server}/metrics`],
    ["PATCH", `/api/v1/servers/${server}`, { name: "hijacked" }],
    ["DELETE", `/api/v1/servers/${server}`],
    ["GET", `/api/v1/projects/${project}`],
    ["PATCH", `/api/v1/projects/${project}`, { name: "hijacked" }],
    ["DELETE", `/api/v1/projects/${project}`],
    ["GET", `/api/v1/projects/${project}/services`],
    ["POST", `/api/v1/projects/${project}/services`, imageServiceBody("intruder", bravo.server)],
    ["GET", `/api/v1/services/${service}`],
    ["PATCH", `/api/v1/services/${service}`, { replicas: 0 }],
    ["DELETE", `/api/v1/services/${service}`],
    ["GET", `/api/v1/services/${service}/env`],
    ["GET", `/api/v1/services/${service}/env?reveal=true`],
    ["PUT", `/api/v1/services/${service}/env`, { variables: [{ key: "ALPHA_KEY", value: "hijacked" }] }],
    ["DELETE", `/api/v1/services/${service}/env/ALPHA_KEY`],
    ["PATCH", `/api/v1/org/members/${developer}`, { role: "viewer" }],
    ["DELETE", `/api/v1/org/members/${developer}`],
    ["PATCH", `/api/v1/org/members/${owner}`, { role: "viewer" }],
    ["DELETE", `/api/v1/org/members/${owner}`],
    ["DELETE", `/api/v1/org/invitations/${invitation}`],
    ["DELETE", `/api/v1/tokens/${tokenId}`],
    ["GET", `/api/v1/projects/${project}/issues`],
    ["GET", `/api/v1/issues/${issue}`],
    ["GET", `/api/v1/issues/${issue}/events`],
    ["GET", `/api/v1/issues/${issue}/histogram`],
    ["PATCH", `/api/v1/issues/${issue}`, { status: "ignored" }],
    ["PATCH", "/api/v1/issues", { ids: [issue], status: "resolved" }],
    ["PATCH", "/api/v1/issues", { ids: [issue, bravo.issue], status: "resolved" }],
  ];
}

for (const credential of ["cookie", "token"] as const) {
  test(`org B's owner (by ${credential}) gets 404 NOT_FOUND and nothing of org A for org A's ids`, async () => {
    const problems: string[] = [];
    for (const [method, url, body] of callsOnAlpha()) {
      const res = await t.call(method, url, { as: bravo[credential], body });
      if (res.status !== 404 || res.body?.error?.code !== "NOT_FOUND") {
        problems.push(`${method} ${url}: expected 404 NOT_FOUND, got ${res.status} ${JSON.stringify(res.body)}`);
      }
      const secrets = leaked(res);
      if (secrets.length > 0) problems.push(`${method} ${url} gave away ${secrets.join(", ")}`);
    }
    assert.deepEqual(problems, []);
  });
}

test("org B's lists hold none of org A's items", async () => {
  const lists = [
    "/api/v1/me",
    "/api/v1/org",
    "/api/v1/org/members",
    "/api/v1/org/invitations",
    "/api/v1/tokens",
    "/api/v1/servers",
    "/api/v1/projects",
    `/api/v1/projects/${bravo.project}`,
    `/api/v1/projects/${bravo.project}/services`,
    `/api/v1/projects/${bravo.project}/issues`,
    "/api/v1/audit-logs",
  ];
  for (const url of lists) {
    const res = await t.call("GET", url, { as: bravo.cookie });
    assert.equal(res.status, 200, url);
    assert.deepEqual(leaked(res, true), [], `${url} lists org A's items`);
  }
  const servers = await t.call("GET", "/api/v1/servers", { as: bravo.cookie });
  assert.deepEqual(
    servers.body.data.map((s: { name: string }) => s.name),
    ["bravo-server"],
  );
});

test("org A's ids inside org B's request bodies answer 422 UNPROCESSABLE", async () => {
  const attempts: Array<[method: string, url: string, body: unknown]> = [
    ["POST", `/api/v1/projects/${bravo.project}/services`, imageServiceBody("borrowed", alpha.server)],
    ["PATCH", `/api/v1/services/${bravo.service}`, { server_id: alpha.server }],
    ["POST", "/api/v1/tokens", { name: "borrowed", type: "prj", project_id: alpha.project }],
    ["PATCH", `/api/v1/issues/${bravo.issue}`, { assigned_to: alpha.owner }],
  ];
  for (const [method, url, body] of attempts) {
    const res = await t.call(method, url, { as: bravo.cookie, body });
    assert.equal(res.status, 422, `${method} ${url}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, "UNPROCESSABLE");
    assert.deepEqual(leaked(res), [], `${method} ${url}`);
  }
  const services = await ok(bravo.cookie, "GET", `/api/v1/projects/${bravo.project}/services`);
  assert.deepEqual(
    services.map((s: { name: string; server_id: string }) => [s.name, s.server_id]),
    [["bravo-web", bravo.server]],
  );
});

test("org B cannot step into org A with X-Syntra-Org", async () => {
  const headers = { "x-syntra-org": alpha.org };
  const bySession = await t.call("GET", "/api/v1/projects", { as: bravo.cookie, headers });
  assert.equal(bySession.status, 403);
  assert.equal(bySession.body.error.code, "FORBIDDEN");
  assert.deepEqual(leaked(bySession, true), []);
  // A token is bound to its organization; the header must not move it elsewhere.
  const byToken = await t.call("GET", "/api/v1/projects", { as: bravo.token, headers });
  assert.ok(byToken.status === 200 || byToken.status === 403, `answered ${byToken.status}`);
  assert.deepEqual(leaked(byToken, true), []);
});

test("after all of org B's attempts org A is exactly as it was", async () => {
  assert.deepEqual(await snapshotAlpha(), alphaBefore);
  // A bulk change naming one of org A's issues changed none, org B's own included.
  assert.equal((await ok(bravo.cookie, "GET", `/api/v1/issues/${bravo.issue}`)).status, "unresolved");
  const projects = await t.call("GET", "/api/v1/projects", { as: alpha.token });
  assert.equal(projects.status, 200, "org A's token still works");
  assert.deepEqual(
    projects.body.data.map((p: { id: string }) => p.id),
    [alpha.project],
  );
});
