import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eq } from "drizzle-orm";
import { deviceAuthorizations } from "../db/schema";
import { createTestApp, type TestApp } from "../testing/harness";
import { sha256Hex } from "./random";

let t: TestApp;
let owner: { cookie: string; userId: string; orgId: string };

before(async () => {
  // Open sign-up: the users of other organizations sign themselves up.
  t = await createTestApp({ SYNTRA_OPEN_SIGNUP: "true" });
  owner = await t.signup("owner@example.com", { orgName: "Acme" });
});
after(() => t.close());

async function start(): Promise<{ device_code: string; user_code: string; interval: number }> {
  const res = await t.call("POST", "/api/v1/auth/device/code", { as: null, body: { client_name: "syn on laptop" } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.data;
}

const poll = (deviceCode: string) =>
  t.call("POST", "/api/v1/auth/device/token", { as: null, body: { device_code: deviceCode } });

test("a device login: pending until approved in a browser session, then one token, once", async () => {
  const grant = await start();
  assert.match(grant.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
  const res = await t.call("POST", "/api/v1/auth/device/code", { as: null, body: { client_name: "x" } });
  assert.equal(res.body.data.verification_uri, `${t.deps.config.publicUrl}/device`);
  assert.equal(
    res.body.data.verification_uri_complete,
    `${t.deps.config.publicUrl}/device?code=${res.body.data.user_code}`,
  );
  // Only the device code's hash is kept.
  const [row] = await t.deps.db
    .select()
    .from(deviceAuthorizations)
    .where(eq(deviceAuthorizations.deviceCodeHash, sha256Hex(grant.device_code)));
  assert.ok(row);

  const pending = await poll(grant.device_code);
  assert.equal(pending.status, 400);
  assert.equal(pending.body.error.code, "AUTHORIZATION_PENDING");

  // An API token may not approve: it could mint tokens that way.
  const apiToken = (await t.call("POST", "/api/v1/tokens", { as: owner, body: { name: "t" } })).body.data.token;
  const byToken = await t.call("POST", "/api/v1/auth/device/approve", {
    as: { token: apiToken },
    body: { user_code: grant.user_code },
  });
  assert.equal(byToken.status, 403);

  // Typed by a person: any case, without the dash.
  const shown = await t.call("GET", `/api/v1/auth/device/${grant.user_code.replace("-", "").toLowerCase()}`, {
    as: owner,
  });
  assert.equal(shown.body.data.client_name, "syn on laptop");
  assert.equal(shown.body.data.status, "pending");
  const approved = await t.call("POST", "/api/v1/auth/device/approve", {
    as: owner,
    body: { user_code: grant.user_code.toLowerCase() },
  });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  assert.equal(approved.body.data.status, "approved");

  t.advanceClock(grant.interval * 1000);
  const granted = await poll(grant.device_code);
  assert.equal(granted.status, 200, JSON.stringify(granted.body));
  assert.match(granted.body.data.token, /^syn_usr_/);
  const me = await t.call("GET", "/api/v1/me", { as: { token: granted.body.data.token } });
  assert.equal(me.body.data.user.email, "owner@example.com");
  assert.equal(me.body.data.org.name, "Acme");

  t.advanceClock(grant.interval * 1000);
  const again = await poll(grant.device_code);
  assert.equal(again.body.error.code, "DEVICE_CODE_EXPIRED", "the token is handed out once");
  const twice = await t.call("POST", "/api/v1/auth/device/approve", {
    as: owner,
    body: { user_code: grant.user_code },
  });
  assert.equal(twice.status, 422);

  // The token is listed (and revocable) in the dashboard's token list.
  const tokens = await t.call("GET", "/api/v1/tokens", { as: owner });
  assert.ok(
    tokens.body.data.some(
      (tk: { id: string; name: string }) =>
        tk.id === granted.body.data.token_id && tk.name === "syn CLI: syn on laptop",
    ),
  );
});

test("polling faster than the interval answers SLOW_DOWN and adds 5 seconds", async () => {
  const grant = await start();
  assert.equal((await poll(grant.device_code)).body.error.code, "AUTHORIZATION_PENDING");
  const fast = await poll(grant.device_code);
  assert.equal(fast.body.error.code, "SLOW_DOWN");
  assert.equal(fast.body.error.details.interval, grant.interval + 5);
  t.advanceClock(grant.interval * 1000);
  assert.equal((await poll(grant.device_code)).body.error.code, "SLOW_DOWN", "the new interval holds");
  t.advanceClock((grant.interval + 10) * 1000);
  assert.equal((await poll(grant.device_code)).body.error.code, "AUTHORIZATION_PENDING");
});

test("a refused login answers ACCESS_DENIED; an expired one DEVICE_CODE_EXPIRED, and cannot be approved", async () => {
  const refused = await start();
  const deny = await t.call("POST", "/api/v1/auth/device/deny", { as: owner, body: { user_code: refused.user_code } });
  assert.equal(deny.body.data.status, "denied");
  assert.equal((await poll(refused.device_code)).body.error.code, "ACCESS_DENIED");

  const late = await start();
  t.advanceClock(601_000);
  assert.equal((await poll(late.device_code)).body.error.code, "DEVICE_CODE_EXPIRED");
  const approve = await t.call("POST", "/api/v1/auth/device/approve", {
    as: owner,
    body: { user_code: late.user_code },
  });
  assert.equal(approve.body.error.code, "DEVICE_CODE_EXPIRED");
  assert.equal((await poll("not-a-device-code")).body.error.code, "DEVICE_CODE_EXPIRED");
  const unknown = await t.call("GET", "/api/v1/auth/device/BCDF-GHJK", { as: owner });
  assert.equal(unknown.status, 404);
});

test("a device login's token acts in any of the user's organizations by X-Syntra-Org; an organization's token stays in its own", async () => {
  const other = await t.signup("other@example.com", { orgName: "Other" });
  const invitation = await t.call("POST", "/api/v1/org/invitations", {
    as: other,
    body: { email: "owner@example.com", role: "viewer" },
  });
  const joined = await t.call("POST", "/api/v1/invitations/accept", {
    as: owner,
    body: { token: invitation.body.data.token },
  });
  assert.equal(joined.status, 200, JSON.stringify(joined.body));

  const grant = await start();
  await t.call("POST", "/api/v1/auth/device/approve", { as: owner, body: { user_code: grant.user_code } });
  t.advanceClock(grant.interval * 1000);
  const token = (await poll(grant.device_code)).body.data.token;
  const inOther = await t.call("GET", "/api/v1/me", { as: { token }, headers: { "x-syntra-org": other.orgId } });
  assert.equal(inOther.body.data.org.name, "Other");
  assert.equal(inOther.body.data.org.role, "viewer");
  const write = await t.call("POST", "/api/v1/projects", {
    as: { token },
    headers: { "x-syntra-org": other.orgId },
    body: { name: "nope" },
  });
  assert.equal(write.status, 403, "the role of that organization applies");

  const acmeToken = (await t.call("POST", "/api/v1/tokens", { as: owner, body: { name: "acme only" } })).body.data
    .token;
  const crossed = await t.call("GET", "/api/v1/me", {
    as: { token: acmeToken },
    headers: { "x-syntra-org": other.orgId },
  });
  assert.equal(crossed.status, 403);
  assert.match(crossed.body.error.message, /another organization/);
  const stranger = await t.signup("stranger@example.com", { orgName: "Stranger" });
  const notMine = await t.call("GET", "/api/v1/me", { as: { token }, headers: { "x-syntra-org": stranger.orgId } });
  assert.equal(notMine.status, 403);

  // Signing out with the token revokes it.
  assert.equal((await t.call("POST", "/api/v1/auth/logout", { as: { token } })).status, 204);
  assert.equal((await t.call("GET", "/api/v1/me", { as: { token } })).status, 401);
});
