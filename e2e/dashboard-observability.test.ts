// The observability views in a real browser (Debian's chromium) on real data: apps deployed by a real agent on the
// Docker engine, their containers' output collected by the agent, and spans and logs made by the official
// OpenTelemetry JS SDK sent to the agent over OTLP with the resource attributes the deploy injected into the container.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { eventually } from "@syntra/testing/eventually";
import { BASE_IMAGE, buildFixtureImage, FIXTURE_LABEL, webappImage } from "@syntra/testing/images";
import Dockerode from "dockerode";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { newSpanId } from "../apps/server/src/testing/telemetry-rows";
import {
  type AppSdk,
  parseResourceAttributes,
  sendRequests,
  sendThreeServiceTrace,
} from "../packages/otlp/src/testing/observability-sdk";
import { ensureWebBuild } from "../scripts/build-web";
import { DESKTOP, goto, launchBrowser, shoot } from "./browser";
import { deployAndWait, type Stack, startStack } from "./stack";

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let projectId: string;
const docker = new Dockerode();
const NEEDLE = `needle-${randomUUID()}`;
const LOG_LINES = 100_000;

/** The app that prints 100,000 lines at start (the needle among them), then serves HTTP like the test webapp. */
function chattyImage(): Promise<string> {
  const script = [
    `awk -v n=${LOG_LINES} 'BEGIN { for (i = 1; i <= n; i++) { if (i == n / 2) print "payment " ENVIRON["NEEDLE"] " declined"; else print "order " i " processed in " (i % 97) " ms" } }'`,
    "httpd -f -v -p 8080 -h /www &",
    "trap 'kill $!; exit 0' TERM INT",
    "wait",
  ].join("\n");
  return buildFixtureImage(docker, {
    ref: "syntra-test/chatty:v1",
    files: { "www/index.html": "chatty", "www/healthz": "ok" },
    dockerfile: (hash) =>
      [
        `FROM ${BASE_IMAGE}`,
        "COPY www /www",
        `LABEL ${FIXTURE_LABEL}="${hash}"`,
        "EXPOSE 8080",
        `CMD ${JSON.stringify(["sh", "-c", script])}`,
        "",
      ].join("\n"),
  });
}

/** A new service of the project, once the agent accepts its ingest key (pushed with the agent's next key list). */
async function createService(name: string, image: string, tag: string): Promise<{ id: string; key: string }> {
  const res = await stack.t.call("POST", `/api/v1/projects/${projectId}/services`, {
    as: stack.owner,
    body: { name, server_id: stack.serverId, source_type: "image", source_config: { image, tag }, port: 8080 },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const ingest = await stack.t.call("GET", `/api/v1/services/${res.body.data.id}/ingest`, { as: stack.owner });
  const key: string = ingest.body.data.key;
  await eventually(
    async () => {
      const accepted = await fetch(`${stack.otlp.httpUrl}/v1/traces`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-syntra-key": key },
        body: "{}",
      });
      return accepted.status === 200;
    },
    { diagnostic: () => stack.agent.output() },
  );
  return { id: res.body.data.id, key };
}

/** The running container of a service: its id and the environment the deploy gave it. */
async function containerOf(serviceId: string): Promise<{ id: string; env: Record<string, string> }> {
  const [c] = await docker.listContainers({ filters: { label: [`dev.syntra.service_id=${serviceId}`] } });
  assert.ok(c, "the service has a running container");
  const info = await docker.getContainer(c.Id).inspect();
  const env = Object.fromEntries(
    (info.Config.Env ?? []).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]),
  );
  return { id: c.Id, env };
}

/** The SDK of a deployed app, set up from what Syntra injected into its container (as the SDK reads its env). */
async function sdkOf(serviceId: string, name: string): Promise<AppSdk> {
  const { env } = await containerOf(serviceId);
  const key = /x-syntra-key=([^,]+)/.exec(env.OTEL_EXPORTER_OTLP_HEADERS ?? "")?.[1];
  assert.ok(key, `OTEL_EXPORTER_OTLP_HEADERS injected: ${JSON.stringify(env)}`);
  return { name, key, resource: parseResourceAttributes(env.OTEL_RESOURCE_ATTRIBUTES ?? "") };
}

/** A chart's figures, from the data table every time chart carries: [time, value of the first series]. */
async function chartData(label: string): Promise<[number, number][]> {
  const rows = page.getByRole("table", { name: `${label}: data` }).locator("tbody tr");
  return rows.evaluateAll((trs) =>
    trs.map((tr) => [Number(tr.getAttribute("data-t")), Number(tr.querySelector("td[data-series]")?.textContent)]),
  ) as Promise<[number, number][]>;
}

before(async () => {
  await ensureWebBuild({ quiet: true });
  const [s] = await Promise.all([startStack(), webappImage("v1"), webappImage("broken-v2"), chattyImage()]);
  stack = s;
  projectId = (await stack.t.call("POST", "/api/v1/projects", { as: stack.owner, body: { name: "Shop" } })).body.data
    .id;
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: DESKTOP });
  await context.addCookies([{ name: "syntra_session", value: stack.owner.cookie, url: stack.baseUrl }]);
  page = await context.newPage();
  page.setDefaultTimeout(30_000);
});

after(async () => {
  await browser?.close();
  await stack?.close();
});

test("a service without telemetry teaches how to send it: its OTLP endpoint and key, the DSN, what Syntra injects", async () => {
  const quiet = await createService("quiet", "syntra-test/webapp", "v1");
  await goto(page, `${stack.baseUrl}/projects/${projectId}/services/${quiet.id}`);
  const setup = page.getByTestId("telemetry-setup");
  // The panel shows at once; the service's endpoints and key fill it in when their own request answers.
  await setup.getByText(`x-syntra-key=${quiet.key}`).first().waitFor();
  const text = await setup.innerText();
  assert.match(text, new RegExp(`x-syntra-key=${quiet.key}`));
  assert.match(text, /OTEL_EXPORTER_OTLP_ENDPOINT=http:\/\/host\.docker\.internal:4318/);
  assert.match(text, /Sentry\.init\(\{ dsn: "http:\/\/syn_ing_/);
  await shoot(page, "observability-empty");
});

test("the overview shows the deploy just made and the error rate rising after a failing version", async () => {
  const shop = await createService("shop", "syntra-test/webapp", "v1");
  const first = await deployAndWait(stack, shop.id, {});
  assert.equal(first.status, "running", first.error_message ?? "");
  const v1 = await sdkOf(shop.id, "shop");
  assert.equal(v1.resource["deployment.id"], first.id, "the deploy injects its id for the SDK's resource");
  // The failing version: its image has no /healthz, so with a health check it would be rolled back; here the
  // service has none, so it goes live and fails requests.
  const second = await deployAndWait(stack, shop.id, { image_tag: "broken-v2" });
  assert.equal(second.status, "running", second.error_message ?? "");
  const v2 = await sdkOf(shop.id, "shop");
  assert.equal(v2.resource["deployment.id"], second.id);
  const live = Date.parse(
    (await stack.t.call("GET", `/api/v1/deployments/${second.id}`, { as: stack.owner })).body.data.finished_at,
  );
  // v1 served the five minutes before the new version went live, without a failure; v2 fails 3 requests in 4
  // from then on (up to now), so that any minute's share of them fails at least half.
  await sendRequests(
    stack.otlp.httpUrl,
    v1,
    60,
    (i) => live - 300_000 + i * 4000,
    () => false,
  );
  const since = Date.now() - live;
  await sendRequests(
    stack.otlp.httpUrl,
    v2,
    40,
    (i) => live + 100 + (i * Math.max(0, since - 200)) / 40,
    (i) => i % 4 !== 2,
  );
  await eventually(
    async () => {
      const o = await stack.t.call(
        "GET",
        `/api/v1/services/${shop.id}/overview?from=${new Date(live - 900_000).toISOString()}`,
        {
          as: stack.owner,
        },
      );
      return o.body.data?.summary.requests === 100;
    },
    { timeoutMs: 60_000, diagnostic: () => stack.agent.output() },
  );

  await goto(page, `${stack.baseUrl}/projects/${projectId}/services/${shop.id}/overview?range=15m`);
  const marker = page
    .getByRole("figure", { name: "Error rate" })
    .locator(`[data-testid="deploy-marker"][data-deployment="${second.id}"]`);
  await marker.waitFor();
  const errorRate = await chartData("Error rate");
  const minute = Math.floor(live / 60_000) * 60_000;
  const before = errorRate.filter(([t]) => t < minute);
  const after = errorRate.filter(([t]) => t >= minute);
  assert.ok(before.length >= 4 && before.every(([, v]) => v === 0), `no errors before: ${JSON.stringify(errorRate)}`);
  assert.ok(after.length >= 1 && after.every(([, v]) => v >= 0.5), `errors after: ${JSON.stringify(errorRate)}`);
  assert.match(await page.getByTestId("red-summary").innerText(), /Error rate\s*30%/);
  // Latency percentiles and container resources are drawn too.
  assert.ok((await chartData("Latency percentiles")).length >= 5);
  await page.getByRole("figure", { name: "CPU per container" }).waitFor();
  await eventually(async () => (await chartData("CPU per container")).length > 0);
  await shoot(page, "observability-overview");

  // The marker opens that deployment (here from the keyboard: it is focusable and answers Enter like a click).
  await marker.focus();
  await page.keyboard.press("Enter");
  await page.waitForURL(new RegExp(`/deployments\\?d=${second.id}`));
});

test("the trace waterfall shows a request through three services in the right nesting, with its logs", async () => {
  const services = {
    front: await createService("front", "syntra-test/webapp", "v1"),
    api: await createService("api", "syntra-test/webapp", "v1"),
    db: await createService("db", "syntra-test/webapp", "v1"),
  };
  const sdk = (name: keyof typeof services): AppSdk => ({ name, key: services[name].key, resource: {} });
  const sent = await sendThreeServiceTrace(stack.otlp.httpUrl, { front: sdk("front"), api: sdk("api"), db: sdk("db") });
  await eventually(
    async () => {
      const res = await stack.t.call("GET", `/api/v1/traces/${sent.traceId}`, { as: stack.owner });
      return res.body.data?.spans.length === 5;
    },
    { timeoutMs: 60_000, diagnostic: () => stack.agent.output() },
  );
  await goto(page, `${stack.baseUrl}/projects/${projectId}/services/${services.front.id}/traces?range=15m`);
  await page.getByRole("figure", { name: "Trace durations over time" }).waitFor();
  await shoot(page, "observability-traces");
  await page.getByRole("table", { name: "Traces" }).getByRole("link", { name: "GET /checkout" }).click();
  const waterfall = page.getByRole("list", { name: "Waterfall" });
  await waterfall.locator("[data-span-id]").nth(4).waitFor();
  const rows = await waterfall
    .locator("[data-span-id]")
    .evaluateAll((els) =>
      els.map((el) => [
        el.querySelector('[data-testid="span-name"]')?.textContent ?? "",
        el.querySelector('[data-testid="span-name"]')?.previousElementSibling?.textContent ?? "",
        Number(el.getAttribute("data-depth")),
      ]),
    );
  assert.deepEqual(rows, sent.expected);
  // The failed db query is red and on the critical path.
  const db = waterfall.locator("[data-span-id]").nth(4);
  assert.equal(await db.getAttribute("data-critical"), "true");
  assert.match((await db.getByTestId("span-name").getAttribute("class")) ?? "", /text-red-600/);
  // The api's span: its attributes and the log record written inside it.
  await waterfall.locator(`[data-span-id="${sent.apiSpanId}"]`).getByTestId("span-name").click();
  const panel = page.getByRole("complementary", { name: "Span details" });
  await panel.getByText("service.name").waitFor();
  await panel.getByText("order 42: stock low, reserving anyway").waitFor();
  await shoot(page, "observability-trace");

  // The same log found in the api's logs, expanded, leads back to its trace.
  await goto(page, `${stack.baseUrl}/projects/${projectId}/services/${services.api.id}/logs?range=15m&q=stock`);
  const line = page.getByTestId("log-line").filter({ hasText: "stock low" });
  await line.getByRole("button").click();
  await line.getByTestId("log-details").getByText("order.id").waitFor();
  await line.getByRole("link", { name: "View trace →" }).click();
  await page.waitForURL(new RegExp(`/traces/${sent.traceId}`));
  await waterfall.locator("[data-span-id]").nth(4).waitFor();
});

test("a 10,000-span trace comes in pages: the first screen from a small first page, rows virtualized, the last span reached by scrolling, attributes fetched for the opened span", async () => {
  const big = await createService("batch", "syntra-test/webapp", "v1");
  const org = (await stack.t.call("GET", "/api/v1/org", { as: stack.owner })).body.data.id;
  const owner = { org_id: org, service_id: big.id, deployment_id: randomUUID() };
  const traceId = randomUUID().replaceAll("-", "");
  const root = newSpanId();
  const start = Date.now() - 60_000;
  const spans = Array.from({ length: 10_000 }, (_, i) => ({
    ...owner,
    trace_id: traceId,
    span_id: i === 0 ? root : newSpanId(),
    ...(i > 0 && { parent_span_id: root }),
    operation_name: i === 0 ? "POST /import" : `INSERT row ${i}`,
    span_kind: i === 0 ? ("server" as const) : ("client" as const),
    start_time_ns: (start + i) * 1e6,
    duration_ns: i === 0 ? 10_001e6 : 1e6,
    status: { code: "ok" as const },
    attributes: { "db.system": "postgresql" },
    events: [],
  }));
  await stack.t.deps.telemetry.insert({ spans, logs: [], metrics: [] });
  // What the page asks the API for: pages of outlines, never the whole trace in one answer.
  const requests: URL[] = [];
  const seen = (req: { url(): string }) => {
    const url = new URL(req.url());
    if (url.pathname.startsWith(`/api/v1/traces/${traceId}`)) requests.push(url);
  };
  page.on("request", seen);
  // How long the first page's request took (the rest of the first-rows figure is the browser's).
  let firstPageMs: number | undefined;
  const finished = (req: { url(): string; timing(): { responseEnd: number } }) => {
    if (firstPageMs === undefined && req.url().includes(`/api/v1/traces/${traceId}/spans?`))
      firstPageMs = Math.round(req.timing().responseEnd);
  };
  page.on("requestfinished", finished);
  try {
    // Opened from the service's trace list, as people open a trace.
    await goto(page, `${stack.baseUrl}/projects/${projectId}/services/${big.id}/traces?range=15m`);
    const link = page.getByRole("table", { name: "Traces" }).getByRole("link", { name: "POST /import" });
    await link.waitFor();
    const opened = Date.now();
    await link.click();
    const waterfall = page.getByRole("list", { name: "Waterfall" });
    await waterfall.getByText("POST /import").waitFor();
    await waterfall.getByText("INSERT row 1", { exact: true }).waitFor();
    const firstScreen = Date.now() - opened;
    const rendered = await waterfall.locator("[data-span-id]").count();
    assert.ok(rendered < 100, `${rendered} rows in the DOM for 10,000 spans`);
    // The count comes with the first page; the status line goes once every page is in.
    await page.getByTestId("trace-summary").getByText("10000 spans").waitFor();
    await page.getByTestId("trace-summary").getByRole("status").waitFor({ state: "detached" });
    await waterfall.evaluate((el) => {
      const scroller = el.parentElement;
      if (scroller) scroller.scrollTop = scroller.scrollHeight;
    });
    await waterfall.getByText("INSERT row 9999").waitFor();
    const scrolled = Date.now() - opened;
    // The last span's attributes are fetched when it is opened.
    await waterfall.getByText("INSERT row 9999").click();
    const panel = page.getByRole("complementary", { name: "Span details" });
    await panel.getByText("db.system").waitFor();
    await panel.getByText("postgresql").waitFor();
    // The first page is asked for once, though the service's page also asks for it early (for a reload).
    const firstPages = (from: number) =>
      requests.slice(from).filter((u) => u.pathname.endsWith("/spans") && !u.searchParams.has("cursor")).length;
    assert.equal(firstPages(0), 1, "first-page requests after the click");
    // The same trace loaded cold (the whole dashboard from a reload), for the figure.
    const beforeReload = requests.length;
    const reloaded = Date.now();
    await page.reload();
    await waterfall.getByText("INSERT row 1", { exact: true }).waitFor();
    assert.equal(firstPages(beforeReload), 1, "first-page requests after the reload");
    console.log(
      `10,000-span trace: first rows ${firstScreen} ms after the click in the trace list (its first page's request ${firstPageMs} ms), every span in and scrolled to the last ${scrolled} ms; first rows after a reload ${Date.now() - reloaded} ms`,
    );

    const pages = requests.filter((u) => u.pathname.endsWith("/spans"));
    assert.equal(pages[0]?.searchParams.get("cursor"), null, "the first request is the first page");
    assert.ok(Number(pages[0]?.searchParams.get("limit")) <= 500, `first page limit ${pages[0]?.search}`);
    assert.ok(pages.length >= 3, `${pages.length} page requests for 10,000 spans`);
    assert.ok(
      requests.every((u) => u.pathname !== `/api/v1/traces/${traceId}`),
      "the whole trace is never asked for in one answer",
    );
  } finally {
    page.off("request", seen);
    page.off("requestfinished", finished);
  }
});

test("log search finds a needle among 100,000 container lines; the live tail shows a printed line within 2 s", async () => {
  const chatty = await createService("chatty", "syntra-test/chatty", "v1");
  const env = await stack.t.call("PUT", `/api/v1/services/${chatty.id}/env`, {
    as: stack.owner,
    body: { variables: [{ key: "NEEDLE", value: NEEDLE }] },
  });
  assert.equal(env.status, 200, JSON.stringify(env.body));
  const deployed = await deployAndWait(stack, chatty.id, {});
  assert.equal(deployed.status, "running", deployed.error_message ?? "");
  const counted = async () =>
    (
      await stack.t.call(
        "GET",
        `/api/v1/services/${chatty.id}/logs/histogram?from=${new Date(Date.now() - 3_600_000).toISOString()}`,
        {
          as: stack.owner,
        },
      )
    ).body.data?.total ?? 0;
  let seen = 0;
  await eventually(
    async () => {
      seen = await counted();
      return seen >= LOG_LINES;
    },
    {
      timeoutMs: 180_000,
      diagnostic: () => `${seen} lines stored\n${stack.agent.output()}`,
    },
  );

  await goto(page, `${stack.baseUrl}/projects/${projectId}/services/${chatty.id}/logs?range=1h`);
  await page
    .getByTestId("log-total")
    .getByText(/^100,0\d\d records match/)
    .waitFor();
  await shoot(page, "observability-logs");
  await page.getByRole("searchbox", { name: "Search logs" }).fill(NEEDLE);
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await page
    .getByTestId("log-total")
    .getByText(/^1 records match/)
    .waitFor();
  const lines = page.getByTestId("log-line");
  await lines.first().getByText(`payment ${NEEDLE} declined`).waitFor();
  assert.equal(await lines.count(), 1);
  await lines.first().getByRole("button").click();
  await lines.first().getByTestId("log-details").getByText("stdout").waitFor();
  // Older lines page on with the cursor: the second page follows the first without a gap.
  await page.getByRole("searchbox", { name: "Search logs" }).fill("processed");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await page.getByRole("button", { name: "Older lines" }).click();
  await eventually(async () => (await lines.count()) === 200);

  // Live tail: a line the container prints shows within 2 s.
  await page.getByRole("tab", { name: "Live tail" }).click();
  await page.getByTestId("tail-status").getByText("Live").waitFor();
  const { id } = await containerOf(chatty.id);
  const marker = `tail-${randomUUID()}`;
  const exec = await docker.getContainer(id).exec({ Cmd: ["sh", "-c", `echo ${marker} > /proc/1/fd/1`] });
  await exec.start({});
  const printed = Date.now();
  await page.getByRole("log", { name: "Live log lines" }).getByText(marker).waitFor({ timeout: 2000 });
  console.log(`live tail: the line showed ${Date.now() - printed} ms after the container printed it`);
  await page.getByRole("button", { name: "Pause" }).click();
  await shoot(page, "observability-live-tail");
});

test("metrics: the app's counter split by a label, and the containers' CPU and memory beside it", async () => {
  const shopId = (
    await stack.t.call("GET", `/api/v1/services?project_id=${projectId}`, { as: stack.owner })
  ).body.data.find((s: { name: string }) => s.name === "shop").id;
  const sdk = await sdkOf(shopId, "shop");
  const { exportCounter } = await import("../packages/otlp/src/testing/otel-sdk");
  await exportCounter(stack.otlp.httpUrl, sdk.key, "orders_total", sdk.resource);
  await eventually(async () => {
    const names = await stack.t.call("GET", `/api/v1/services/${shopId}/metrics/names`, { as: stack.owner });
    return (names.body.data ?? []).some((m: { name: string }) => m.name === "orders_total");
  });
  await goto(page, `${stack.baseUrl}/projects/${projectId}/services/${shopId}/metrics?range=15m&metric=orders_total`);
  await page.getByRole("combobox", { name: "Split by" }).selectOption("route");
  await page
    .getByRole("figure", { name: "orders_total" })
    .getByRole("table")
    .getByText("/pay")
    .waitFor({ state: "attached" });
  await eventually(async () => (await chartData("Container CPU")).length > 0);
  await shoot(page, "observability-metrics");
});
