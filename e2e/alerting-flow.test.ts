// Alerting end to end: a real agent process checks a real container's health; the container is stopped with the
// Docker engine; its failing checks travel in telemetry batches to the control plane, whose alert worker fires the
// downtime rule on a Slack stand-in, and the public status page shows the outage in Chromium (desktop and phone);
// the container starts again and everything recovers. Then uptime monitors run by the same agent, and the dashboard's
// alerting pages in Chromium.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eventually } from "@syntra/testing/eventually";
import { ensureTestImages } from "@syntra/testing/images";
import Dockerode from "dockerode";
import type { Browser } from "playwright-core";
import { type ChannelStandIns, startChannelStandIns } from "../apps/server/src/alerts/testing/channel-stand-ins";
import { type AlertWorker, startAlertWorker } from "../apps/server/src/alerts/worker";
import { ensureWebBuild } from "../scripts/build-web";
import { DESKTOP, goto, launchBrowser, PHONE, shoot } from "./browser";
import { createWebService, deployAndWait, type Stack, startStack } from "./stack";

let stack: Stack;
let standIns: ChannelStandIns;
let worker: AlertWorker;
let browser: Browser;
let serviceId: string;
const docker = new Dockerode();

before(async () => {
  await ensureTestImages("v1");
  // The dashboard's build before the control plane starts: it reads index.html once, at start.
  await ensureWebBuild({ quiet: true });
  standIns = await startChannelStandIns();
  stack = await startStack();
  serviceId = await createWebService(stack, "shop", "status-shop.e2e.test", 1);
  const d = await deployAndWait(stack, serviceId, { image_tag: "v1" });
  assert.equal(d.status, "running", d.error_message ?? "");
  // The worker main.ts runs, at a quicker pace than production's.
  worker = startAlertWorker(stack.t.deps, { evaluateEveryMs: 500, deliverEveryMs: 300, rollupEveryMs: 60_000 });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await worker?.stop();
  await stack?.close();
  await standIns?.close();
});

const api = async (method: string, url: string, body?: unknown) => {
  const res = await stack.t.call(method, url, { as: stack.owner, body });
  assert.ok(res.status < 300, `${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body?.data;
};

async function container(): Promise<Dockerode.Container> {
  const [info] = await docker.listContainers({ all: true, filters: { label: [`dev.syntra.service_id=${serviceId}`] } });
  assert.ok(info, "the service's container");
  return docker.getContainer(info.Id);
}

// The page is cacheable for 30 s: each visit asks for a fresh copy as a new visitor would get after that.
let visit = 0;
const statusUrl = () => `${stack.baseUrl}/status/acme?visit=${++visit}`;

const slackTexts = () => standIns.accepted("slack").map((r) => String(r.body.text).split("\n")[0]);

test("a stopped container fires downtime on Slack, shows on the status page, and recovers", async () => {
  const slack = await api("POST", "/api/v1/alert-channels", {
    name: "ops",
    type: "slack",
    config: { webhook_url: standIns.slackUrl },
  });
  const rule = await api("POST", "/api/v1/alerts", {
    name: "Shop down",
    type: "downtime",
    service_id: serviceId,
    severity: "critical",
    interval_seconds: 10,
    channel_ids: [slack.id],
    condition: { consecutive_failures: 3 },
  });
  await api("POST", "/api/v1/status-pages", {
    slug: "acme",
    title: "Acme status",
    components: [{ name: "Shop", service_id: serviceId }],
  });
  // Healthy checks arrive first (the agent checks every second, ships every 5 s).
  await eventually(async () => (await api("GET", `/api/v1/services/${serviceId}/uptime`)).latest?.is_healthy === true, {
    what: "the service's first healthy check stored",
    timeoutMs: 60_000,
    diagnostic: () => stack.agent.output().slice(-3000),
  });
  const page = await browser.newPage();
  await goto(page, statusUrl());
  assert.equal(await page.locator("#overall").getAttribute("data-state"), "operational");

  await (await container()).stop({ t: 1 });
  const incident = await eventually(
    async () => {
      const [open] = await api("GET", `/api/v1/alert-incidents?alert_id=${rule.id}&status=open`);
      return open;
    },
    { what: "the downtime incident", timeoutMs: 90_000, diagnostic: () => stack.agent.output().slice(-3000) },
  );
  assert.equal(incident.title, "shop is down");
  assert.match(incident.message, /no running container/);
  await eventually(() => slackTexts().includes("FIRING: shop is down"), { what: "the Slack notification" });

  await goto(page, statusUrl());
  assert.equal(await page.locator("#overall").getAttribute("data-state"), "major_outage");
  assert.equal(await page.locator(".component .state").first().textContent(), "Major outage");
  await shoot(page, "status-page-outage");
  await page.setViewportSize(PHONE);
  const overflow = await page.evaluate("document.documentElement.scrollWidth > window.innerWidth");
  assert.equal(overflow, false, "readable on a phone: nothing wider than the screen");

  await (await container()).start();
  await eventually(async () => (await api("GET", `/api/v1/alert-incidents/${incident.id}`)).status === "resolved", {
    what: "the incident resolved",
    timeoutMs: 90_000,
    diagnostic: () => stack.agent.output().slice(-3000),
  });
  await eventually(() => slackTexts().includes("RESOLVED: shop is down"), { what: "the resolve notification" });
  assert.deepEqual(slackTexts(), ["FIRING: shop is down", "RESOLVED: shop is down"], "one incident, told once");
  await goto(page, statusUrl());
  assert.equal(await page.locator("#overall").getAttribute("data-state"), "operational");
  await page.close();
});

test("the real agent runs uptime monitors, and the dashboard shows incidents, channels and monitors", async () => {
  const port = Number(new URL(stack.baseUrl).port);
  const closed = 1; // tcpmux: nothing listens on loopback
  const up = await api("POST", "/api/v1/monitors", {
    name: "Control plane port",
    check: { type: "tcp", host: "127.0.0.1", port },
    interval_seconds: 10,
    timeout_seconds: 2,
    server_ids: [stack.serverId],
  });
  const down = await api("POST", "/api/v1/monitors", {
    name: "Closed port",
    check: { type: "tcp", host: "127.0.0.1", port: closed },
    interval_seconds: 10,
    timeout_seconds: 2,
    server_ids: [stack.serverId],
  });
  // The agent checks within its first interval and ships results every 5 s.
  const latest = async (id: string) => (await api("GET", `/api/v1/monitors/${id}`)).latest;
  await eventually(async () => (await latest(up.id))?.is_up === true, {
    what: "the open port reported up by the agent",
    timeoutMs: 60_000,
    diagnostic: () => stack.agent.output().slice(-3000),
  });
  const refused = await eventually(
    async () => {
      const l = await latest(down.id);
      return l?.is_up === false && l;
    },
    { what: "the closed port reported down", timeoutMs: 60_000 },
  );
  assert.equal(refused.error, "ECONNREFUSED");
  assert.equal(refused.server_id, stack.serverId);

  const context = await browser.newContext({ viewport: DESKTOP });
  await context.addCookies([{ name: "syntra_session", value: stack.owner.cookie, url: stack.baseUrl }]);
  const page = await context.newPage();
  await goto(page, `${stack.baseUrl}/alerts`);
  await page.getByRole("button", { name: "resolved" }).click();
  await page.getByText("shop is down").first().waitFor();
  await shoot(page, "alerts-incidents");
  await goto(page, `${stack.baseUrl}/alerts/channels`);
  await page
    .getByText(/last delivered/)
    .first()
    .waitFor();
  await shoot(page, "alerts-channels");
  // A rule made with the dashboard's form: refused field by field first, then stored with the channel ticked.
  await goto(page, `${stack.baseUrl}/alerts/rules`);
  await page.getByRole("button", { name: "New rule" }).click();
  await page.locator("#type").selectOption("event");
  await page.getByRole("button", { name: "Create rule" }).click();
  await page.locator('#name[aria-invalid="true"]').waitFor();
  await page.locator("#name").fill("Deploys failing");
  await page.getByRole("group", { name: "Notify" }).getByLabel("ops").check();
  await page.getByRole("button", { name: "Create rule" }).click();
  await page.getByText("Deploys failing").waitFor();
  const [ops] = (await api("GET", "/api/v1/alert-channels")).filter((c: { name: string }) => c.name === "ops");
  const made = (await api("GET", "/api/v1/alerts")).find((r: { name: string }) => r.name === "Deploys failing");
  assert.deepEqual(
    { type: made?.type, channels: made?.channel_ids, events: made?.condition.events },
    { type: "event", channels: [ops.id], events: ["server_offline", "deployment_failed"] },
  );
  await goto(page, `${stack.baseUrl}/uptime`);
  await page.getByText("Control plane port").waitFor();
  await page.getByText("ECONNREFUSED").waitFor();
  await shoot(page, "alerts-uptime");
  await context.close();
});
