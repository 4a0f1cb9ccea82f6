import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { serviceOfNewOrg } from "../testing/error-fixtures";
import { type Credential, createTestApp, type TestApp } from "../testing/harness";
import { type SmtpInbox, startSmtpInbox } from "../testing/smtp-inbox";
import { type ChannelStandIns, startChannelStandIns } from "./testing/channel-stand-ins";

let t: TestApp;
let inbox: SmtpInbox;
let standIns: ChannelStandIns;
let owner: Credential;

before(async () => {
  inbox = await startSmtpInbox();
  standIns = await startChannelStandIns();
  t = await createTestApp({ SYNTRA_SMTP_URL: inbox.url });
  owner = (await serviceOfNewOrg(t, "channels-owner@example.com")).owner;
});
after(async () => {
  await t.close();
  await standIns.close();
  await inbox.close();
});

const ROUTING_KEY = "R0UT1NGKEY0123456789abcdefABCDEF";

async function channel(body: Record<string, unknown>) {
  const res = await t.call("POST", "/api/v1/alert-channels", { as: owner, body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.data;
}

test("every channel type takes a test notification in its service's wire format; secrets are never answered", async () => {
  const slack = await channel({ name: "ops", type: "slack", config: { webhook_url: standIns.slackUrl } });
  const discord = await channel({ name: "dev", type: "discord", config: { webhook_url: standIns.discordUrl } });
  const pd = await channel({
    name: "pager",
    type: "pagerduty",
    config: { routing_key: ROUTING_KEY, events_url: standIns.pagerDutyUrl },
  });
  const email = await channel({ name: "mail", type: "email", config: { to: ["oncall@example.com"] } });
  const hook = await channel({
    name: "hook",
    type: "webhook",
    config: { url: standIns.webhookUrl, secret: standIns.webhookSecret },
  });
  const generated = await channel({ name: "hook2", type: "webhook", config: { url: `${standIns.url}/webhook-2` } });
  assert.match(generated.signing_secret, /^whsec_[A-Za-z0-9+/]+=*$/, "a generated secret is answered once");
  assert.equal(hook.signing_secret, undefined, "a given secret is not echoed");

  const listed = await t.call("GET", "/api/v1/alert-channels", { as: owner });
  const text = JSON.stringify(listed.body);
  for (const secret of [
    "XXXXXXXXXXXXXXXXXXXXXXXX",
    "token-abc",
    ROUTING_KEY,
    standIns.webhookSecret,
    generated.signing_secret,
  ]) {
    assert.ok(!text.includes(secret), `a secret leaked into the channel list: ${secret}`);
  }
  assert.equal(slack.target, `${new URL(standIns.url).host}/…/XXXX`);

  for (const c of [slack, discord, pd, email, hook]) {
    const res = await t.call("POST", `/api/v1/alert-channels/${c.id}/test`, { as: owner });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.data.status, "delivered", `${c.type}: ${res.body.data.last_error}`);
  }
  const [slackMsg] = standIns.accepted("slack");
  assert.match(slackMsg?.body.text, /^TEST: Test notification from Syntra/);
  assert.equal(slackMsg?.body.blocks[0].type, "header");
  assert.equal(standIns.accepted("discord")[0]?.body.embeds[0].title, "TEST: Test notification from Syntra");
  assert.equal(standIns.accepted("pagerduty")[0]?.body.routing_key, ROUTING_KEY);
  const signed = standIns.accepted("webhook")[0];
  assert.equal(signed?.body.type, "alert.test");
  assert.ok(signed?.headers["webhook-id"], "verified by the reference library, with its id");
  const mail = await inbox.waitFor("oncall@example.com");
  assert.equal(mail.subject, "[TEST] Test notification from Syntra");

  for (const leaked of ["token-abc", ROUTING_KEY, standIns.webhookSecret]) {
    assert.ok(!t.logs.join("").includes(leaked), `a secret reached the log: ${leaked}`);
  }
});

test("a failing test notification answers the receiver's reason and marks the channel", async () => {
  const slack = await channel({ name: "broken", type: "slack", config: { webhook_url: `${standIns.url}/slack/gone` } });
  standIns.failNext("slack", 1, 404, "no_service");
  const res = await t.call("POST", `/api/v1/alert-channels/${slack.id}/test`, { as: owner });
  assert.equal(res.status, 202);
  assert.equal(res.body.data.status, "failed");
  assert.equal(res.body.data.last_error, "HTTP 404: no_service");
  const after = await t.call("GET", `/api/v1/alert-channels/${slack.id}`, { as: owner });
  assert.equal(after.body.data.last_error, "HTTP 404: no_service");
  assert.ok(after.body.data.last_error_at);
});

test("bad channel settings are refused with the field; a viewer cannot add channels", async () => {
  const bad = await t.call("POST", "/api/v1/alert-channels", {
    as: owner,
    body: { name: "x", type: "pagerduty", config: { routing_key: "short" } },
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, "VALIDATION_ERROR");
  assert.ok(bad.body.error.details.some((d: { path: string }) => d.path.includes("routing_key")));
  const viewer = await t.member(owner, "channels-viewer@example.com", "viewer");
  const refused = await t.call("POST", "/api/v1/alert-channels", {
    as: viewer,
    body: { name: "x", type: "email", config: { to: ["a@example.com"] } },
  });
  assert.equal(refused.status, 403);
  assert.equal((await t.call("GET", "/api/v1/alert-channels", { as: viewer })).status, 200);
});
