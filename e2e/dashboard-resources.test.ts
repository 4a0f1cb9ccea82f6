// The service overview's anomaly band and resource recommendations in a real browser (Debian's chromium driven by
// playwright-core) against a control plane serving the built dashboard, on telemetry written to the real store:
// nine days of requests whose error rate leaves its baseline in the last 25 minutes, and a week of two containers'
// CPU and memory, with a deploy 10 minutes before the spike that the anomaly card names.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { freePort } from "@syntra/testing/ports";
import type { Browser } from "playwright-core";
import { containerWeek, redHistory } from "../apps/server/src/ai/testing/series";
import { liveDeployment, serviceOfNewOrg } from "../apps/server/src/testing/error-fixtures";
import { createTestApp, type TestApp } from "../apps/server/src/testing/harness";
import { ensureWebBuild } from "../scripts/build-web";
import { launchBrowser, openAs, shoot } from "./browser";

const STEP = 300_000;

let t: TestApp;
let baseUrl: string;
let browser: Browser;
let org: Awaited<ReturnType<typeof serviceOfNewOrg>>;
let viewer: { cookie: string };
let deployId: string;

before(async () => {
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  await ensureWebBuild({ quiet: true });
  t = await createTestApp({ SYNTRA_PUBLIC_URL: baseUrl, SYNTRA_OPEN_SIGNUP: "true" });
  await t.app.listen({ host: "127.0.0.1", port });
  org = await serviceOfNewOrg(t, "resources-e2e@example.com");
  viewer = await t.member(org.owner, "resources-viewer@example.com", "viewer");
  const res = await t.call("PATCH", `/api/v1/services/${org.serviceId}`, {
    as: org.owner,
    body: { cpu_limit: "2", memory_limit: "512m", replicas: 3 },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const now = t.deps.now().getTime();
  const owner = { org_id: org.orgId, service_id: org.serviceId, deployment_id: crypto.randomUUID() };
  const spikeFrom = Math.floor(now / STEP) * STEP - 5 * STEP;
  // Live 10 minutes before the spike: the anomaly's explanation names it.
  deployId = await liveDeployment(t.deps, org.serviceId, {
    createdAt: new Date(spikeFrom - 11 * 60_000),
    liveAt: new Date(spikeFrom - 10 * 60_000),
    sha: "abc1234def567",
    message: "orders: cache customers",
  });
  await t.deps.telemetry.insert({
    spans: redHistory(owner, 9, now, spikeFrom),
    logs: [],
    metrics: containerWeek(owner, now, 6.5 * 24),
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await t?.close();
});

const open = (cookie: string, path: string) => openAs(browser, baseUrl, cookie, path);

test("the error rate chart shades the expected band and marks the anomaly; a recommendation applies with one click", async () => {
  const overview = `/projects/${org.projectId}/services/${org.serviceId}/overview?range=1h`;
  const { context, page } = await open((org.owner as { cookie: string }).cookie, overview);
  // The band inside the shared chart: its columns in the chart's data table, the anomaly as a marked range.
  const anomalies = page.getByRole("list", { name: "Error rate: anomalies" }).getByTestId("chart-anomaly");
  await anomalies.first().waitFor({ state: "attached" });
  assert.equal(await anomalies.count(), 1);
  const from = Number(await anomalies.first().getAttribute("data-from"));
  assert.ok(Date.now() - from < 40 * 60_000, "the anomaly is the last minutes' spike");
  const table = page.getByRole("table", { name: "Error rate: data" });
  const band = await table
    .locator("tbody tr")
    .evaluateAll((trs) =>
      trs
        .map((tr) => [
          tr.querySelector('td[data-series="band_lower"]')?.textContent ?? "",
          tr.querySelector('td[data-series="band_upper"]')?.textContent ?? "",
        ])
        .filter(([low, high]) => low !== "" && high !== ""),
    );
  assert.ok(band.length >= 10, `band rows: ${JSON.stringify(band)}`);
  // Expected 2% errors: the band lies around it.
  for (const [low, high] of band) assert.ok(Number(low) <= 0.02 && Number(high) >= 0.02 && Number(high) < 0.05);
  // The detector's card explains the anomaly: the deploy before it, links to it and to example traces.
  const base = `/projects/${org.projectId}/services/${org.serviceId}`;
  const explained = page.getByTestId("anomaly-card").getByTestId("anomaly-explanation");
  await explained.first().waitFor();
  assert.equal(await explained.count(), 1);
  assert.match(
    await explained.innerText(),
    new RegExp(`Started \\d+ min after deploy ${deployId.slice(0, 8)} \\(commit abc1234 "orders: cache customers"\\)`),
  );
  const deployLink = explained.getByRole("link", { name: "deploy abc1234" });
  assert.equal(await deployLink.getAttribute("href"), `${base}/deployments?d=${deployId}`);
  const traceLinks = await explained
    .getByRole("link", { name: /^trace / })
    .evaluateAll((links) => links.map((a) => a.getAttribute("href") ?? ""));
  assert.ok(traceLinks.length > 0, "example traces of the window");
  for (const href of traceLinks) assert.match(href, new RegExp(`^${base}/traces/[0-9a-f]{32}$`));
  // The other charts keep their own look: the latency chart has its band, the container charts none.
  assert.equal(await page.getByRole("table", { name: "CPU per container: data" }).locator("th").count(), 1 + 2);

  const card = page.getByTestId("resource-recommendations");
  await card.getByRole("list", { name: "Suggestions" }).waitFor();
  assert.match(await card.innerText(), /156 h of 2 containers/);
  assert.match(await card.innerText(), /Lower the CPU limit from 2 to 0\.6/);
  assert.match(await card.innerText(), /p95 0\.30 cores · peak 0\.60 cores · now 2/);
  await shoot(page, "service-overview-band-recommendations");
  await card.getByRole("button", { name: "Apply: Lower the CPU limit from 2 to 0.6" }).click();
  // Applied: the service changed, and the refreshed suggestions no longer ask for it.
  await card.getByText(/The CPU limit 0\.6 fits/).waitFor();
  const service = await t.call("GET", `/api/v1/services/${org.serviceId}`, { as: org.owner });
  assert.equal(service.body.data.cpu_limit, "0.6");
  await context.close();

  const asViewer = await open(viewer.cookie, overview);
  const seen = asViewer.page.getByTestId("resource-recommendations");
  await seen.getByRole("list", { name: "Suggestions" }).waitFor();
  assert.equal(await seen.getByRole("button", { name: /^Apply/ }).count(), 0, "viewers are offered no apply");
  await asViewer.context.close();
});
