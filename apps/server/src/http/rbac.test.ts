import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { type AnyApiRoute, apiRouteList, type OrgRole, orgRoles } from "@syntra/contracts";
import { eventually } from "@syntra/testing/eventually";
import { certificateRequest, selfSignedCertificate } from "@syntra/testing/openssl";
import { issuePasswordReset } from "../auth/password-resets";
import { BUSYBOX } from "../builds/builder/testing/base-images";
import { createTestRepo, type TestRepo } from "../builds/builder/testing/git-repos";
import { alertIncidents } from "../db/schema";
import { ingestErrorEvents } from "../issues/ingest";
import { pushCredential } from "../registry/credentials";
import { AgentPeer } from "../testing/agent-peer";
import { errorEventFixture } from "../testing/error-fixtures";
import { imageServiceBody } from "../testing/fixtures";
import { type ApiAnswer, type Credential, createTestApp, TEST_PASSWORD, type TestApp } from "../testing/harness";
import { type SmtpInbox, startSmtpInbox } from "../testing/smtp-inbox";
import { spanRow } from "../testing/telemetry-rows";

// Every route, every role: the expected outcome comes from the matrix below, written from the product's rules,
// not from rolePermissions, so a wrong permission on a route (or in the role table) shows up here.

/** Routes anyone may call, signed in or not. */
const PUBLIC = new Set([
  "POST /agent/enrol",
  "GET /healthz",
  "GET /readyz",
  "GET /install/agent.sh",
  "GET /install/syntra-agent.cjs",
  "POST /api/v1/auth/signup",
  "POST /api/v1/auth/login",
  "POST /api/v1/auth/password/forgot",
  "POST /api/v1/auth/password/reset",
  "GET /api/v1/auth/providers",
  "GET /api/v1/auth/github",
  "GET /api/v1/auth/github/callback",
  // Device login: the device has no credential yet; it proves itself with its device code.
  "POST /api/v1/auth/device/code",
  "POST /api/v1/auth/device/token",
  // Authenticated by the service's webhook secret, not by a user.
  "POST /api/v1/webhooks/github",
  "POST /api/v1/webhooks/gitlab",
  "POST /api/v1/webhooks/gitea",
  // Authenticated by registry credentials Syntra issued (Basic), not by a user.
  "GET /api/v1/registry/token",
]);

/** What every signed-in member may do about their own account, whatever their role. */
const SELF_SERVICE = new Set([
  "GET /api/v1/me",
  "PUT /api/v1/me/password",
  "POST /api/v1/auth/logout",
  "POST /api/v1/invitations/accept",
  "POST /api/v1/tokens",
  "GET /api/v1/tokens",
  "DELETE /api/v1/tokens/:tokenId",
  "GET /api/v1/auth/device/:userCode",
  "POST /api/v1/auth/device/approve",
  "POST /api/v1/auth/device/deny",
]);

/** GETs that act rather than read: an exec session runs a command (the `exec` permission). */
const ACTING_GETS = new Set(["GET /api/v1/services/:serviceId/exec/session"]);

/** Reads kept from viewers and developers. */
const ADMIN_ONLY_READS = new Set(["GET /api/v1/audit-logs"]);

/**
 * Developers change what they deploy: projects, their services, the services' environment and deployments; and
 * they triage the errors of what they deploy (resolve, ignore, assign issues, have them analyzed).
 */
const isDeveloperWrite = (key: string) =>
  /^(POST|PUT|PATCH|DELETE) \/api\/v1\/(projects|services|deployments|issues|ai\/analyze-error|ai\/generate-dockerfile|ai\/chat|alerts|alert-incidents|alert-silences|alert-channels|status-pages|monitors)(\/|$)/.test(
    key,
  );

/** The access matrix: may a member with this role make this call? */
function expectedAccess(role: OrgRole, key: string): "allowed" | "forbidden" {
  if (PUBLIC.has(key) || SELF_SERVICE.has(key)) return "allowed";
  if (role === "owner" || role === "admin") return "allowed";
  if (ACTING_GETS.has(key)) return role === "developer" ? "allowed" : "forbidden";
  if (key.startsWith("GET ")) return ADMIN_ONLY_READS.has(key) ? "forbidden" : "allowed";
  return role === "developer" && isDeveloperWrite(key) ? "allowed" : "forbidden";
}

interface Caller {
  role: OrgRole;
  email: string;
  cookie: string;
}

/** Path parameters; the main server, project and service fill their own by default. */
type PathIds = Partial<
  Record<
    | "serverId"
    | "projectId"
    | "serviceId"
    | "userId"
    | "tokenId"
    | "invitationId"
    | "key"
    | "deploymentId"
    | "domain"
    | "userCode"
    | "issueId"
    | "traceId"
    | "spanId"
    | "alertId"
    | "incidentId"
    | "silenceId"
    | "channelId"
    | "pageId"
    | "monitorId",
    string
  >
>;

/** A request that succeeds (with status `ok`) when the caller may make it. */
interface ValidCall {
  ids?: PathIds;
  query?: string;
  body?: unknown;
  /** Overrides the caller's own session (logout gets a session of its own). */
  as?: Credential;
  headers?: Record<string, string>;
  // 400 for a socket route called without an upgrade: it passed every check before refusing the plain GET.
  ok: 200 | 201 | 202 | 204 | 302 | 400;
}

let t: TestApp;
let callers: Record<OrgRole, Caller>;
let main: { serverId: string; projectId: string; serviceId: string; deploymentId: string; issueId: string };
/** A server whose agent never connects: deployments of its services stay queued. */
let offlineServerId: string;
let agent: AgentPeer;
let inbox: SmtpInbox;
let seq = 0;
const unique = (prefix: string) => `${prefix}-${++seq}`;
const uniqueEmail = (prefix: string) => `${unique(prefix)}@example.com`;
const routeKey = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
/** Every route the contracts declare, which the server registers each once (register-routes checks). */
const allRoutes = apiRouteList().map((r) => r.route);
const ownerCookie = (): Credential => ({ cookie: callers.owner.cookie });

/** Makes a call as the owner that must succeed, and returns its data. */
// biome-ignore lint/suspicious/noExplicitAny: answers are arbitrary JSON
async function asOwner(method: string, url: string, body?: unknown): Promise<any> {
  const res = await t.call(method, url, { as: ownerCookie(), body });
  if (res.status >= 300) throw new Error(`setup ${method} ${url} failed ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body?.data;
}

const invite = (email: string, role: OrgRole): Promise<{ id: string; token: string }> =>
  asOwner("POST", "/api/v1/org/invitations", { email, role });

/** Signs in again, so the returned session can be ended without ending the caller's usual one. */
async function freshSession(email: string): Promise<string> {
  const res = await t.call("POST", "/api/v1/auth/login", { body: { email, password: TEST_PASSWORD } });
  const cookie = String(res.headers["set-cookie"] ?? "").match(/syntra_session=([^;]+)/)?.[1];
  if (!cookie) throw new Error(`login of ${email} failed ${res.status}: ${JSON.stringify(res.body)}`);
  return cookie;
}

/** A token of the caller's own, which only they can revoke. */
async function ownToken(c: Caller): Promise<string> {
  const res = await t.call("POST", "/api/v1/tokens", { as: { cookie: c.cookie }, body: { name: unique("revoked") } });
  if (res.status !== 201) throw new Error(`${c.role} cannot create a token: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data.id;
}

const throwawayMember = async () => (await t.member(ownerCookie(), uniqueEmail("member"), "viewer")).userId;
const throwawayServer = async () => (await asOwner("POST", "/api/v1/servers", { name: unique("server") })).server_id;
const throwawayProject = async () => (await asOwner("POST", "/api/v1/projects", { name: unique("project") })).id;
const throwawayService = async () =>
  (await asOwner("POST", `/api/v1/projects/${main.projectId}/services`, imageServiceBody(unique("svc"), main.serverId)))
    .id;
/** Deploys the main service and waits until the answering agent has it running. */
async function ranDeployment(): Promise<string> {
  const id = (await asOwner("POST", `/api/v1/services/${main.serviceId}/deploy`, {})).id;
  const done = () => t.call("GET", `/api/v1/deployments/${id}`, { as: ownerCookie() });
  await eventually(async () => (await done()).body.data.status === "running");
  return id;
}
/** A queued deployment (its service's server has no agent), which can be cancelled. */
async function queuedDeployment(): Promise<string> {
  const svc = await asOwner(
    "POST",
    `/api/v1/projects/${main.projectId}/services`,
    imageServiceBody(unique("queued"), offlineServerId),
  );
  return (await asOwner("POST", `/api/v1/services/${svc.id}/deploy`, {})).id;
}
async function throwawayEnvKey(): Promise<string> {
  const key = `TMP_${++seq}`;
  await asOwner("PUT", `/api/v1/services/${main.serviceId}/env`, { variables: [{ key, value: "temporary" }] });
  return key;
}

const read = (): ValidCall => ({ ok: 200 });

/** One valid request per route. A route missing here fails the suite: add it, with the status it answers. */
/** A domain of the main service, added by the owner, for calls that remove or check one. */
async function throwawayDomain(): Promise<string> {
  return (await asOwner("POST", `/api/v1/services/${main.serviceId}/domains`, { domain: `${unique("d")}.example.com` }))
    .domain;
}

/** A service built from git with a webhook secret, made once; webhook calls are signed with its secret. */
let builtService: Promise<{ id: string; secret: string; repo: string }> | undefined;
function webhookService() {
  builtService ??= (async () => {
    const repo = "https://git.example.com/acme/rbac.git";
    const svc = await asOwner("POST", `/api/v1/projects/${main.projectId}/services`, {
      name: unique("built"),
      server_id: main.serverId,
      port: 8080,
      source_type: "dockerfile",
      source_config: { repo_url: repo },
    });
    const hook = await asOwner("POST", `/api/v1/services/${svc.id}/webhook`);
    return { id: svc.id, secret: hook.secret, repo };
  })();
  return builtService;
}
async function signedPing(provider: "github" | "gitlab" | "gitea"): Promise<ValidCall> {
  const { secret, repo } = await webhookService();
  const body = { zen: "ping", repository: { clone_url: repo }, project: { git_http_url: repo } };
  const mac = createHmac("sha256", secret).update(JSON.stringify(body)).digest("hex");
  const headers: Record<string, Record<string, string>> = {
    github: { "x-github-event": "ping", "x-hub-signature-256": `sha256=${mac}` },
    gitlab: { "x-gitlab-event": "System Hook", "x-gitlab-token": secret },
    gitea: { "x-gitea-event": "ping", "x-gitea-signature": mac },
  };
  return { body, headers: headers[provider], ok: 200 };
}
/** A git repository (file://) holding a static site, made once, for Dockerfile generation. */
let siteRepo: Promise<TestRepo> | undefined;
async function staticSiteRepo(): Promise<string> {
  siteRepo ??= createTestRepo().then(async (repo) => {
    await repo.commit({ "index.html": "<h1>rbac</h1>" });
    return repo;
  });
  return (await siteRepo).url;
}
const builtServiceIds = async (): Promise<PathIds> => ({ serviceId: (await webhookService()).id });

const validCalls: Record<string, (c: Caller) => ValidCall | Promise<ValidCall>> = {
  "POST /api/v1/webhooks/github": () => signedPing("github"),
  "POST /api/v1/webhooks/gitlab": () => signedPing("gitlab"),
  "POST /api/v1/webhooks/gitea": () => signedPing("gitea"),
  "GET /api/v1/services/:serviceId/git/credentials": async () => ({ ids: await builtServiceIds(), ok: 200 }),
  "PUT /api/v1/services/:serviceId/git/credentials": async () => ({
    ids: await builtServiceIds(),
    body: { kind: "token", token: "ghp_rbacTestToken" },
    ok: 200,
  }),
  "DELETE /api/v1/services/:serviceId/git/credentials": async () => ({ ids: await builtServiceIds(), ok: 204 }),
  "GET /api/v1/services/:serviceId/webhook": read,
  "PATCH /api/v1/services/:serviceId/env/:key": async () => ({
    ids: { key: await throwawayEnvKey() },
    body: { is_build_time: true },
    ok: 200,
  }),
  "GET /api/v1/builds/disk": read,
  "GET /api/v1/registry/token": () => {
    const { username, password } = pushCredential(t.deps.keyring);
    return {
      query: "service=registry.local:5000&scope=repository:acme/web:pull",
      headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}` },
      ok: 200,
    };
  },
  "PUT /api/v1/services/:serviceId/domains/:domain/certificate": async () => {
    const domain = await throwawayDomain();
    const pem = await selfSignedCertificate({ commonName: "rbac", names: [domain] });
    return { ids: { domain }, body: { certificate_pem: pem.certPem, private_key_pem: pem.keyPem }, ok: 200 };
  },
  "DELETE /api/v1/services/:serviceId/domains/:domain/certificate": async () => ({
    ids: { domain: await throwawayDomain() },
    ok: 200,
  }),
  // A finished (cancelled) deployment, so the stream ends.
  "GET /api/v1/deployments/:deploymentId/logs/stream": async () => {
    const id = await queuedDeployment();
    await asOwner("POST", `/api/v1/deployments/${id}/cancel`);
    return { ids: { deploymentId: id }, ok: 200 };
  },
  // A service of its own: rotating the shared one's secret would break the signed webhook calls.
  "POST /api/v1/services/:serviceId/webhook": async () => {
    const svc = await asOwner("POST", `/api/v1/projects/${main.projectId}/services`, {
      name: unique("rotated"),
      server_id: main.serverId,
      source_type: "nixpacks",
      source_config: { repo_url: "https://git.example.com/acme/rotated.git" },
    });
    return { ids: { serviceId: svc.id }, ok: 201 };
  },
  "GET /healthz": read,
  "GET /readyz": read,
  "GET /install/agent.sh": read,
  "GET /install/syntra-agent.cjs": read,
  "POST /api/v1/auth/signup": async () => {
    const email = uniqueEmail("signup");
    return { body: { email, password: TEST_PASSWORD, invite_token: (await invite(email, "viewer")).token }, ok: 201 };
  },
  "POST /api/v1/auth/login": (c) => ({ body: { email: c.email, password: TEST_PASSWORD }, ok: 200 }),
  "POST /api/v1/auth/logout": async (c) => ({ as: { cookie: await freshSession(c.email) }, ok: 204 }),
  // An address with no account: answered after asking the mail server, without sending.
  "POST /api/v1/auth/password/forgot": () => ({ body: { email: uniqueEmail("forgot") }, ok: 202 }),
  "POST /api/v1/auth/password/reset": async () => {
    const token = await issuePasswordReset(t.deps.db, { userId: await throwawayMember(), now: t.deps.now() });
    return { body: { token, password: TEST_PASSWORD }, ok: 204 };
  },
  // The same password again: the caller's session stays, and so does every later login of theirs.
  "PUT /api/v1/me/password": () => ({
    body: { current_password: TEST_PASSWORD, new_password: TEST_PASSWORD },
    ok: 204,
  }),
  "GET /api/v1/auth/providers": read,
  "GET /api/v1/auth/github": () => ({ ok: 302 }),
  "GET /api/v1/auth/github/callback": () => ({ query: "error=access_denied", ok: 302 }),
  "GET /api/v1/me": read,
  "POST /api/v1/invitations/accept": async (c) => {
    const inv = await t.call("POST", "/api/v1/org/invitations", {
      as: otherOrgOwner,
      body: { email: c.email, role: "viewer" },
    });
    return { body: { token: inv.body.data.token }, ok: 200 };
  },
  "POST /api/v1/tokens": () => ({ body: { name: unique("token") }, ok: 201 }),
  "GET /api/v1/tokens": read,
  "DELETE /api/v1/tokens/:tokenId": async (c) => ({ ids: { tokenId: await ownToken(c) }, ok: 204 }),
  "GET /api/v1/org": read,
  "PATCH /api/v1/org": () => ({ body: { name: "Acme" }, ok: 200 }),
  "GET /api/v1/org/members": read,
  "PATCH /api/v1/org/members/:userId": async () => ({
    ids: { userId: await throwawayMember() },
    body: { role: "developer" },
    ok: 200,
  }),
  "DELETE /api/v1/org/members/:userId": async () => ({ ids: { userId: await throwawayMember() }, ok: 204 }),
  "POST /api/v1/org/invitations": () => ({ body: { email: uniqueEmail("invitee"), role: "developer" }, ok: 201 }),
  "GET /api/v1/org/invitations": read,
  "DELETE /api/v1/org/invitations/:invitationId": async () => ({
    ids: { invitationId: (await invite(uniqueEmail("withdrawn"), "viewer")).id },
    ok: 204,
  }),
  "GET /api/v1/servers": read,
  "GET /api/v1/servers/:serverId": read,
  "POST /api/v1/servers": () => ({ body: { name: unique("server") }, ok: 201 }),
  "PATCH /api/v1/servers/:serverId": () => ({ body: { tags: ["edge"] }, ok: 200 }),
  "DELETE /api/v1/servers/:serverId": async () => ({ ids: { serverId: await throwawayServer() }, ok: 204 }),
  "POST /agent/enrol": async () => ({
    body: {
      token: (await asOwner("POST", "/api/v1/servers", { name: unique("enrolled") })).token,
      csr: (await certificateRequest({ commonName: "agt_rbac" })).csrPem,
    },
    ok: 200,
  }),
  "POST /api/v1/servers/:serverId/agent/revoke": async () => ({ ids: { serverId: await throwawayServer() }, ok: 200 }),
  "POST /api/v1/servers/:serverId/agent/install-token": async () => ({
    ids: { serverId: await throwawayServer() },
    ok: 201,
  }),
  // An offline server's agent updates when it connects: the answer says so.
  "POST /api/v1/servers/:serverId/agent/update": async () => ({ ids: { serverId: await throwawayServer() }, ok: 202 }),
  "POST /api/v1/servers/agents/update": () => ({ ok: 202 }),
  "GET /api/v1/servers/:serverId/metrics": read,
  "GET /api/v1/servers/:serverId/telemetry": read,
  "GET /api/v1/projects": read,
  "GET /api/v1/projects/:projectId": read,
  "POST /api/v1/projects": () => ({ body: { name: unique("project") }, ok: 201 }),
  "PATCH /api/v1/projects/:projectId": () => ({ body: { description: "walked by rbac.test" }, ok: 200 }),
  "DELETE /api/v1/projects/:projectId": async () => ({ ids: { projectId: await throwawayProject() }, ok: 204 }),
  "GET /api/v1/projects/:projectId/services": read,
  "POST /api/v1/projects/:projectId/services": () => ({
    body: imageServiceBody(unique("svc"), main.serverId),
    ok: 201,
  }),
  "GET /api/v1/services": read,
  "GET /api/v1/services/:serviceId": read,
  "PATCH /api/v1/services/:serviceId": () => ({ body: { replicas: 2 }, ok: 200 }),
  "DELETE /api/v1/services/:serviceId": async () => ({ ids: { serviceId: await throwawayService() }, ok: 204 }),
  "GET /api/v1/services/:serviceId/env": read,
  "PUT /api/v1/services/:serviceId/env": () => ({
    body: { variables: [{ key: `SET_${++seq}`, value: "v" }] },
    ok: 200,
  }),
  "DELETE /api/v1/services/:serviceId/env/:key": async () => ({ ids: { key: await throwawayEnvKey() }, ok: 204 }),
  "POST /api/v1/services/:serviceId/deploy": () => ({ body: { image_tag: "v2" }, ok: 201 }),
  // A newer deployment runs first, so the first one (which ran) is a valid target, not the current one.
  "POST /api/v1/services/:serviceId/rollback": async () => {
    await ranDeployment();
    return { body: { deployment_id: main.deploymentId }, ok: 201 };
  },
  "GET /api/v1/services/:serviceId/deployments": read,
  "GET /api/v1/deployments/:deploymentId": read,
  "POST /api/v1/deployments/:deploymentId/cancel": async () => ({
    ids: { deploymentId: await queuedDeployment() },
    ok: 200,
  }),
  "POST /api/v1/services/:serviceId/restart": () => ({ ok: 200 }),
  "POST /api/v1/services/:serviceId/scale": () => ({ body: { replicas: 1 }, ok: 200 }),
  "GET /api/v1/services/:serviceId/logs": read,
  "POST /api/v1/services/:serviceId/exec": () => ({ body: { command: ["true"] }, ok: 200 }),
  "GET /api/v1/services/:serviceId/domains": read,
  "POST /api/v1/services/:serviceId/domains": () => ({ body: { domain: `${unique("d")}.example.com` }, ok: 201 }),
  "DELETE /api/v1/services/:serviceId/domains/:domain": async () => ({
    ids: { domain: await throwawayDomain() },
    ok: 204,
  }),
  "POST /api/v1/services/:serviceId/domains/:domain/verify": async () => ({
    ids: { domain: await throwawayDomain() },
    ok: 200,
  }),
  "GET /api/v1/audit-logs": read,
  "GET /api/v1/projects/:projectId/issues": read,
  "GET /api/v1/issues/:issueId": read,
  "GET /api/v1/issues/:issueId/events": read,
  "GET /api/v1/issues/:issueId/histogram": read,
  "PATCH /api/v1/issues/:issueId": () => ({ body: { status: "resolved" }, ok: 200 }),
  "PATCH /api/v1/issues": () => ({ body: { ids: [main.issueId], status: "unresolved" }, ok: 200 }),
  // No provider configured here: the offline analyzer answers.
  "POST /api/v1/ai/analyze-error": () => ({ body: { issue_id: main.issueId, force_refresh: true }, ok: 200 }),
  // Answered by the offline analyzer here (no provider configured): the stream ends with `done`.
  "POST /api/v1/ai/chat": () => ({
    body: { message: "what runs here?", context: { issue_id: main.issueId } },
    ok: 200,
  }),
  // A static site: the offline generator's Dockerfile builds in a second on the local busybox image.
  "POST /api/v1/ai/generate-dockerfile": async () => ({ body: { repo_url: await staticSiteRepo() }, ok: 200 }),
  "GET /api/v1/ai/usage": read,
  "GET /api/v1/ai/anomalies/:serviceId": read,
  "GET /api/v1/ai/recommendations/:serviceId": read,
  // Streams: bounded so that the answer ends (inject waits for it).
  "GET /api/v1/events": () => ({ query: "timeout_seconds=0", ok: 200 }),
  "GET /api/v1/services/:serviceId/logs/stream": () => ({ query: "follow=false", ok: 200 }),
  // Not an upgrade: everything is checked, then 400 (the route only speaks WebSocket).
  "GET /api/v1/services/:serviceId/exec/session": () => ({ query: "command=true", ok: 400 }),
  "POST /api/v1/auth/device/code": () => ({ body: { client_name: "rbac" }, ok: 201 }),
  // Approved by the caller in a browser session, then polled by the device.
  "POST /api/v1/auth/device/token": async (c) => {
    const code = await deviceLogin();
    await t.call("POST", "/api/v1/auth/device/approve", {
      as: { cookie: c.cookie },
      body: { user_code: code.user_code },
    });
    return { body: { device_code: code.device_code }, ok: 200 };
  },
  "GET /api/v1/auth/device/:userCode": async () => ({ ids: { userCode: (await deviceLogin()).user_code }, ok: 200 }),
  "POST /api/v1/auth/device/approve": async () => ({ body: { user_code: (await deviceLogin()).user_code }, ok: 200 }),
  "POST /api/v1/auth/device/deny": async () => ({ body: { user_code: (await deviceLogin()).user_code }, ok: 200 }),
  // Public like a DSN: every member reads it; rotating is a service write.
  "GET /api/v1/services/:serviceId/ingest": read,
  "POST /api/v1/services/:serviceId/ingest/rotate": () => ({ ok: 200 }),
  "GET /api/v1/services/:serviceId/traces": read,
  "GET /api/v1/services/:serviceId/metrics": () => ({ query: "metrics=cpu", ok: 200 }),
  "GET /api/v1/traces/:traceId": async () => ({ ids: { traceId: await storedTrace() }, ok: 200 }),
  "GET /api/v1/services/:serviceId/overview": read,
  "GET /api/v1/services/:serviceId/logs/histogram": read,
  "GET /api/v1/traces/:traceId/spans": async () => ({ ids: { traceId: await storedTrace() }, ok: 200 }),
  "GET /api/v1/traces/:traceId/spans/:spanId": async () => ({ ids: await storedSpan(), ok: 200 }),
  "GET /api/v1/traces/:traceId/logs": async () => ({ ids: { traceId: await storedTrace() }, ok: 200 }),
  "GET /api/v1/traces/:traceId/errors": async () => ({ ids: { traceId: await storedTrace() }, ok: 200 }),
  "GET /api/v1/services/:serviceId/metrics/names": read,
  "GET /api/v1/services/:serviceId/metrics/query": () => ({ query: "metric=cpu", ok: 200 }),
  "GET /api/v1/alerts": read,
  "POST /api/v1/alerts": () => ({
    body: { name: unique("r"), type: "error_rate", condition: { threshold: 10 } },
    ok: 201,
  }),
  "GET /api/v1/alerts/:alertId": async () => ({ ids: { alertId: await throwawayRule() }, ok: 200 }),
  "PATCH /api/v1/alerts/:alertId": async () => ({
    ids: { alertId: await throwawayRule() },
    body: { severity: "critical" },
    ok: 200,
  }),
  "DELETE /api/v1/alerts/:alertId": async () => ({ ids: { alertId: await throwawayRule() }, ok: 204 }),
  "GET /api/v1/alert-incidents": read,
  "GET /api/v1/alert-incidents/:incidentId": async () => ({ ids: { incidentId: await throwawayIncident() }, ok: 200 }),
  "POST /api/v1/alert-incidents/:incidentId/acknowledge": async () => ({
    ids: { incidentId: await throwawayIncident() },
    ok: 200,
  }),
  "POST /api/v1/alert-incidents/:incidentId/resolve": async () => ({
    ids: { incidentId: await throwawayIncident() },
    ok: 200,
  }),
  "GET /api/v1/alert-silences": read,
  "POST /api/v1/alert-silences": () => ({ body: { ends_at: new Date(Date.now() + 3_600_000).toISOString() }, ok: 201 }),
  "DELETE /api/v1/alert-silences/:silenceId": async () => ({ ids: { silenceId: await throwawaySilence() }, ok: 204 }),
  "GET /api/v1/alert-channels": read,
  "POST /api/v1/alert-channels": () => ({
    body: { name: unique("c"), type: "email", config: { to: ["a@example.com"] } },
    ok: 201,
  }),
  "GET /api/v1/alert-channels/:channelId": async () => ({ ids: { channelId: await throwawayChannel() }, ok: 200 }),
  "PATCH /api/v1/alert-channels/:channelId": async () => ({
    ids: { channelId: await throwawayChannel() },
    body: { is_active: false },
    ok: 200,
  }),
  "DELETE /api/v1/alert-channels/:channelId": async () => ({ ids: { channelId: await throwawayChannel() }, ok: 204 }),
  "POST /api/v1/alert-channels/:channelId/test": async () => ({
    ids: { channelId: await throwawayChannel() },
    ok: 202,
  }),
  "GET /api/v1/alert-channels/:channelId/deliveries": async () => ({
    ids: { channelId: await throwawayChannel() },
    ok: 200,
  }),
  "GET /api/v1/services/:serviceId/uptime": read,
  "GET /api/v1/status-pages": read,
  "POST /api/v1/status-pages": () => ({ body: { slug: unique("p").toLowerCase(), title: "Status" }, ok: 201 }),
  "GET /api/v1/status-pages/:pageId": async () => ({ ids: { pageId: await throwawayPage() }, ok: 200 }),
  "PATCH /api/v1/status-pages/:pageId": async () => ({
    ids: { pageId: await throwawayPage() },
    body: { title: "New" },
    ok: 200,
  }),
  "DELETE /api/v1/status-pages/:pageId": async () => ({ ids: { pageId: await throwawayPage() }, ok: 204 }),
  "GET /api/v1/status-pages/:pageId/incidents": async () => ({ ids: { pageId: await throwawayPage() }, ok: 200 }),
  "POST /api/v1/status-pages/:pageId/incidents": async () => ({
    ids: { pageId: await throwawayPage() },
    body: { title: "Slow checkout", message: "Investigating" },
    ok: 201,
  }),
  "POST /api/v1/status-pages/:pageId/incidents/:incidentId/updates": async () => ({
    ids: await throwawayPageIncident(),
    body: { status: "resolved", message: "Fixed" },
    ok: 201,
  }),
  "DELETE /api/v1/status-pages/:pageId/incidents/:incidentId": async () => ({
    ids: await throwawayPageIncident(),
    ok: 204,
  }),
  "GET /api/v1/monitors": read,
  "POST /api/v1/monitors": () => ({
    body: { name: unique("m"), check: { type: "tcp", host: "127.0.0.1", port: 9 }, server_ids: [offlineServerId] },
    ok: 201,
  }),
  "GET /api/v1/monitors/:monitorId": async () => ({ ids: { monitorId: await throwawayMonitor() }, ok: 200 }),
  "PATCH /api/v1/monitors/:monitorId": async () => ({
    ids: { monitorId: await throwawayMonitor() },
    body: { interval_seconds: 120 },
    ok: 200,
  }),
  "DELETE /api/v1/monitors/:monitorId": async () => ({ ids: { monitorId: await throwawayMonitor() }, ok: 204 }),
  "GET /api/v1/monitors/:monitorId/uptime": async () => ({ ids: { monitorId: await throwawayMonitor() }, ok: 200 }),
};

/** An alert rule, a channel, an incident, a silence, a status page: made per call, so deletes have their own. */
async function throwawayRule(): Promise<string> {
  return (
    await asOwner("POST", "/api/v1/alerts", {
      name: unique("r"),
      type: "event",
      condition: { events: ["server_offline"] },
    })
  ).id;
}
async function throwawayChannel(): Promise<string> {
  return (
    await asOwner("POST", "/api/v1/alert-channels", {
      name: unique("c"),
      type: "email",
      config: { to: ["a@example.com"] },
    })
  ).id;
}
async function throwawayIncident(): Promise<string> {
  const [row] = await t.deps.db
    .insert(alertIncidents)
    .values({ alertId: await throwawayRule(), title: "x", message: "x", groupKey: unique("g") })
    .returning();
  return row?.id ?? "";
}
async function throwawaySilence(): Promise<string> {
  return (await asOwner("POST", "/api/v1/alert-silences", { ends_at: new Date(Date.now() + 3_600_000).toISOString() }))
    .id;
}
async function throwawayPage(): Promise<string> {
  return (await asOwner("POST", "/api/v1/status-pages", { slug: unique("p").toLowerCase(), title: "Status" })).id;
}
async function throwawayMonitor(): Promise<string> {
  return (
    await asOwner("POST", "/api/v1/monitors", {
      name: unique("m"),
      check: { type: "tcp", host: "127.0.0.1", port: 9 },
      server_ids: [offlineServerId],
    })
  ).id;
}
async function throwawayPageIncident(): Promise<{ pageId: string; incidentId: string }> {
  const pageId = await throwawayPage();
  const incident = await asOwner("POST", `/api/v1/status-pages/${pageId}/incidents`, { title: "x", message: "x" });
  return { pageId, incidentId: incident.id };
}

/** A device login waiting for approval. */
async function deviceLogin(): Promise<{ device_code: string; user_code: string }> {
  const res = await t.call("POST", "/api/v1/auth/device/code", { as: null, body: { client_name: "rbac" } });
  return res.body.data;
}

/** A one-span trace of the main service, stored once. */
let mainTrace: Promise<{ traceId: string; spanId: string }> | undefined;
function storedSpan(): Promise<{ traceId: string; spanId: string }> {
  mainTrace ??= (async () => {
    const org = await asOwner("GET", "/api/v1/org");
    const owner = { org_id: org.id, service_id: main.serviceId, deployment_id: main.deploymentId };
    const span = spanRow(owner, new Date(), 5);
    await t.deps.telemetry.insert({ spans: [span], logs: [], metrics: [] });
    return { traceId: span.trace_id, spanId: span.span_id };
  })();
  return mainTrace;
}
const storedTrace = async (): Promise<string> => (await storedSpan()).traceId;

function pathOf(url: string, ids: PathIds): string {
  return url.replace(/:(\w+)/g, (_, name: string) => {
    const id = ids[name as keyof PathIds];
    if (!id) throw new Error(`${url}: no id for :${name}; give one in the route's entry of validCalls`);
    return encodeURIComponent(id);
  });
}

const MISSING = "has no entry in validCalls (http/rbac.test.ts): add a valid request for it";

/** Makes a route's valid request as the caller (or with no credential); undefined when the table has none. */
async function callValid(
  route: AnyApiRoute,
  caller: Caller,
  anonymous = false,
): Promise<{ res: ApiAnswer; ok: number } | undefined> {
  const build = validCalls[routeKey(route)];
  if (!build) return undefined;
  const v = await build(caller);
  const url = pathOf(route.path, { ...main, ...v.ids }) + (v.query ? `?${v.query}` : "");
  const as = anonymous ? null : (v.as ?? { cookie: caller.cookie });
  const headers = v.headers ? { headers: v.headers } : {};
  return { res: await t.call(route.method, url, { as, body: v.body, ...headers }), ok: v.ok };
}

/** Null when the answer is an error envelope with this code and status, else what differs. */
function errorProblem(res: ApiAnswer, status: number, code: string): string | null {
  const error = res.body?.error;
  if (res.status !== status || res.body?.success !== false || error?.code !== code) {
    return `expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`;
  }
  if (!/^req_/.test(error.request_id) || error.request_id !== res.headers["x-request-id"]) {
    return `error envelope without the request id: ${JSON.stringify(error)}`;
  }
  return null;
}

let otherOrgOwner: { cookie: string };

before(async () => {
  inbox = await startSmtpInbox();
  t = await createTestApp({
    SYNTRA_SMTP_URL: inbox.url,
    GITHUB_CLIENT_ID: "rbac-test",
    GITHUB_CLIENT_SECRET: "rbac-test-secret",
    SYNTRA_OPEN_SIGNUP: "true",
    // The control plane as the registry's token server, so its token realm answers.
    SYNTRA_REGISTRY: "registry.local:5000",
    SYNTRA_REGISTRY_AUTH: "token",
    // The test agent never sends a heartbeat: a long interval keeps its server online however slow the run.
    SYNTRA_AGENT_HEARTBEAT_SECONDS: "3600",
    // Generated Dockerfiles of static sites start from the busybox image scripts/services/docker.sh makes.
    SYNTRA_BUILD_IMAGE_STATIC: BUSYBOX,
  });
  // The mutual-TLS agent endpoint, so enrolment and agent updates can succeed.
  await t.agentEndpoint();
  const owner = await t.signup("owner@example.com", { orgName: "Acme" });
  // A second organization whose invitations every caller can accept (they are already in Acme).
  otherOrgOwner = { cookie: (await t.signup("other-owner@example.com", { orgName: "Other" })).cookie };
  callers = { owner: { role: "owner", email: "owner@example.com", cookie: owner.cookie } } as typeof callers;
  const created = await asOwner("POST", "/api/v1/servers", { name: "main" });
  const serverId = created.server_id;
  offlineServerId = (await asOwner("POST", "/api/v1/servers", { name: "offline" })).server_id;
  const projectId = (await asOwner("POST", "/api/v1/projects", { name: "Shop" })).id;
  const serviceId = (await asOwner("POST", `/api/v1/projects/${projectId}/services`, imageServiceBody("web", serverId)))
    .id;
  // The main server's agent answers every command, so the agent routes can succeed for whoever may call them.
  agent = (await AgentPeer.online(await t.agentUrl(), created.token, serverId)).peer;
  agent.answerEverything();
  main = { serverId, projectId, serviceId, deploymentId: "", issueId: "" };
  main.deploymentId = await ranDeployment();
  const errors = await ingestErrorEvents(t.deps, { serviceId }, [errorEventFixture(serviceId)]);
  main.issueId = errors.issues[0]?.id ?? "";
  await asOwner("PUT", `/api/v1/services/${serviceId}/env`, { variables: [{ key: "API_KEY", value: "s3cret-value" }] });
  await invite("pending@example.com", "developer");
  for (const role of ["admin", "developer", "viewer"] as const) {
    const email = `${role}@example.com`;
    callers[role] = { role, email, cookie: (await t.member(ownerCookie(), email, role)).cookie };
  }
});
after(async () => {
  await agent.close();
  await t.close();
  await inbox.close();
  await (await siteRepo)?.cleanup();
});

test("every route has a valid request in this file, and every entry names a route", () => {
  const keys = allRoutes.map(routeKey);
  const missing = keys.filter((k) => !(k in validCalls));
  assert.deepEqual(missing, [], `add a valid request to validCalls in http/rbac.test.ts for: ${missing.join(", ")}`);
  assert.deepEqual(
    Object.keys(validCalls).filter((k) => !keys.includes(k)),
    [],
    "validCalls holds routes that no longer exist",
  );
});

test("env values: viewers see them masked, developers may reveal them, viewers may not", async () => {
  const url = `/api/v1/services/${main.serviceId}/env`;
  const masked = await t.call("GET", url, { as: { cookie: callers.viewer.cookie } });
  assert.equal(masked.status, 200);
  assert.deepEqual(masked.body.data, [
    { key: "API_KEY", value: "********", is_secret: true, masked: true, is_build_time: false },
  ]);

  const revealed = await t.call("GET", `${url}?reveal=true`, { as: { cookie: callers.developer.cookie } });
  assert.equal(revealed.status, 200);
  assert.deepEqual(revealed.body.data, [
    { key: "API_KEY", value: "s3cret-value", is_secret: true, masked: false, is_build_time: false },
  ]);

  const peek = await t.call("GET", `${url}?reveal=true`, { as: { cookie: callers.viewer.cookie } });
  assert.equal(errorProblem(peek, 403, "FORBIDDEN"), null);
  assert.doesNotMatch(JSON.stringify(peek.body), /s3cret-value/);
});

for (const role of orgRoles) {
  test(`${role}: every route answers as the access matrix says`, async () => {
    const problems: string[] = [];
    for (const route of allRoutes) {
      const key = routeKey(route);
      const answer = await callValid(route, callers[role]);
      if (!answer) {
        problems.push(`${key} ${MISSING}`);
        continue;
      }
      const { res, ok } = answer;
      if (expectedAccess(role, key) === "forbidden") {
        const problem = errorProblem(res, 403, "FORBIDDEN");
        if (problem) problems.push(`${key} should be forbidden to ${role}: ${problem}`);
      } else if (res.status !== ok) {
        problems.push(
          `${key} should answer ${ok} to ${role}, got ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`,
        );
      }
    }
    assert.deepEqual(problems, []);
  });
}

test("without credentials every non-public route answers 401 UNAUTHORIZED, public ones work", async () => {
  const problems: string[] = [];
  for (const route of allRoutes) {
    const key = routeKey(route);
    const answer = await callValid(route, callers.owner, true);
    if (!answer) {
      problems.push(`${key} ${MISSING}`);
      continue;
    }
    const { res, ok } = answer;
    const problem = PUBLIC.has(key)
      ? res.status === ok
        ? null
        : `answered ${res.status}, expected ${ok}`
      : errorProblem(res, 401, "UNAUTHORIZED");
    if (problem) problems.push(`${key}: ${problem}`);
  }
  assert.deepEqual(problems, []);
});

/** Creates an API token with a session cookie and returns the secret. */
async function tokenFor(cookie: string, body: Record<string, unknown>): Promise<Credential> {
  const res = await t.call("POST", "/api/v1/tokens", { as: { cookie }, body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { token: res.body.data.token };
}

test("a viewer's API token carries the viewer's role: reads pass, mutations answer 403", async () => {
  const token = await tokenFor(callers.viewer.cookie, { name: "viewer-cli" });
  assert.equal((await t.call("GET", "/api/v1/projects", { as: token })).status, 200);
  const create = await t.call("POST", "/api/v1/projects", { as: token, body: { name: "by-viewer-token" } });
  assert.equal(errorProblem(create, 403, "FORBIDDEN"), null);
  const env = await t.call("PUT", `/api/v1/services/${main.serviceId}/env`, {
    as: token,
    body: { variables: [{ key: "API_KEY", value: "overwritten" }] },
  });
  assert.equal(errorProblem(env, 403, "FORBIDDEN"), null);
});

test("a token's scopes narrow its owner's role", async () => {
  const token = await tokenFor(callers.owner.cookie, { name: "read-only", scopes: ["projects:read"] });
  assert.equal((await t.call("GET", "/api/v1/projects", { as: token })).status, 200);
  const create = await t.call("POST", "/api/v1/projects", { as: token, body: { name: "by-scoped-token" } });
  assert.equal(errorProblem(create, 403, "FORBIDDEN"), null);
  assert.equal(errorProblem(await t.call("GET", "/api/v1/servers", { as: token }), 403, "FORBIDDEN"), null);
});

test("a project token sees its project only: others answer 404, servers 403", async () => {
  const other = await asOwner("POST", "/api/v1/projects", { name: "Other" });
  const otherService = await asOwner(
    "POST",
    `/api/v1/projects/${other.id}/services`,
    imageServiceBody("api", main.serverId),
  );
  const token = await tokenFor(callers.owner.cookie, { name: "ci", type: "prj", project_id: main.projectId });

  const list = await t.call("GET", "/api/v1/projects", { as: token });
  assert.equal(list.status, 200);
  assert.deepEqual(
    list.body.data.map((p: { id: string }) => p.id),
    [main.projectId],
  );
  assert.equal((await t.call("GET", `/api/v1/services/${main.serviceId}`, { as: token })).status, 200);
  for (const url of [
    `/api/v1/projects/${other.id}`,
    `/api/v1/projects/${other.id}/services`,
    `/api/v1/services/${otherService.id}`,
    `/api/v1/services/${otherService.id}/env`,
  ]) {
    const res = await t.call("GET", url, { as: token });
    assert.equal(errorProblem(res, 404, "NOT_FOUND"), null, url);
    assert.doesNotMatch(JSON.stringify(res.body), /Other|"api"/, url);
  }
  assert.equal(errorProblem(await t.call("GET", "/api/v1/servers", { as: token }), 403, "FORBIDDEN"), null);
  // What the token may not do answers 404 outside its project, as reading it does: the same answer for the same
  // absence, whichever method asks. Inside its project, the missing permission is a 403.
  for (const [method, url] of [
    ["PATCH", `/api/v1/projects/${other.id}`],
    ["DELETE", `/api/v1/projects/${other.id}`],
    ["PATCH", `/api/v1/projects/${randomUUID()}`],
    ["POST", `/api/v1/services/${otherService.id}/exec`],
  ] as const) {
    const res = await t.call(method, url, { as: token, body: { name: "x" } });
    assert.equal(errorProblem(res, 404, "NOT_FOUND"), null, `${method} ${url}`);
  }
  const own = await t.call("PATCH", `/api/v1/projects/${main.projectId}`, { as: token, body: { name: "x" } });
  assert.equal(errorProblem(own, 403, "FORBIDDEN"), null);
});

test("a token follows its owner's current role: a demotion or a removal takes effect at once", async () => {
  const dev = await t.member(ownerCookie(), uniqueEmail("demoted"), "developer");
  const token = await tokenFor(dev.cookie, { name: "laptop" });
  const createProject = () => t.call("POST", "/api/v1/projects", { as: token, body: { name: unique("project") } });
  assert.equal((await createProject()).status, 201);
  await asOwner("PATCH", `/api/v1/org/members/${dev.userId}`, { role: "viewer" });
  assert.equal(errorProblem(await createProject(), 403, "FORBIDDEN"), null);
  await asOwner("DELETE", `/api/v1/org/members/${dev.userId}`);
  for (const as of [token, { cookie: dev.cookie }]) {
    assert.equal(errorProblem(await t.call("GET", "/api/v1/projects", { as }), 403, "FORBIDDEN"), null);
  }
});

test("a project token ends with its project", async () => {
  const doomed = await throwawayProject();
  const token = await tokenFor(callers.owner.cookie, { name: "doomed-ci", type: "prj", project_id: doomed });
  assert.equal((await t.call("GET", "/api/v1/projects", { as: token })).status, 200);
  await asOwner("DELETE", `/api/v1/projects/${doomed}`);
  // Were it only unlinked from the project, it would reach every project of the organization.
  assert.equal(errorProblem(await t.call("GET", "/api/v1/projects", { as: token }), 401, "UNAUTHORIZED"), null);
});

test("an invitation for someone already in the organization is refused and stays unused", async () => {
  const viewer = await t.member(ownerCookie(), uniqueEmail("promoted"), "viewer");
  const me = await t.call("GET", "/api/v1/me", { as: { cookie: viewer.cookie } });
  const email = me.body.data.user.email;
  const { token } = await invite(email, "admin");
  const accepted = await t.call("POST", "/api/v1/invitations/accept", {
    as: { cookie: viewer.cookie },
    body: { token },
  });
  assert.equal(errorProblem(accepted, 409, "CONFLICT"), null);
  const current = await t.call("GET", "/api/v1/me", { as: { cookie: viewer.cookie } });
  assert.equal(current.body.data.org.role, "viewer", "no silent promotion");
  const pending = await t.call("GET", "/api/v1/org/invitations", { as: ownerCookie() });
  assert.ok(
    pending.body.data.some((i: { email: string }) => i.email === email),
    "the invitation was not used up",
  );
});
