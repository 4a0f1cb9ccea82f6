// The service page's Setup tab in a real browser: the two-line setup of each SDK with the service's own DSN, and
// that DSN, copied from the page into the SDK, reports an error that the Issues page then shows.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { freePort } from "@syntra/testing/ports";
import type { Browser } from "playwright-core";
import { serviceOfNewOrg } from "../apps/server/src/testing/error-fixtures";
import { createTestApp, type TestApp } from "../apps/server/src/testing/harness";
import { Syntra } from "../packages/sdk-js/src/node/index";
import { ensureWebBuild } from "../scripts/build-web";
import { DESKTOP, goto, launchBrowser, shoot } from "./browser";

let t: TestApp;
let baseUrl: string;
let browser: Browser;

before(async () => {
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  // The build first: the app reads the dashboard's index.html when it starts.
  await ensureWebBuild({ quiet: true });
  t = await createTestApp({ SYNTRA_PUBLIC_URL: baseUrl, SYNTRA_OPEN_SIGNUP: "true" });
  await t.app.listen({ host: "127.0.0.1", port });
  browser = await launchBrowser();
});
after(async () => {
  await Syntra.close();
  await browser?.close();
  await t?.close();
});

test("setup: the service page shows each SDK's two lines with the service's DSN, and that DSN works", async () => {
  const org = await serviceOfNewOrg(t, "setup@example.com");
  const ingest = (await t.call("GET", `/api/v1/services/${org.serviceId}/ingest`, { as: org.owner })).body.data;
  const context = await browser.newContext({ viewport: DESKTOP });
  if (!org.owner || !("cookie" in org.owner)) throw new Error("no session");
  await context.addCookies([{ name: "syntra_session", value: org.owner.cookie, url: baseUrl }]);
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await goto(page, `${baseUrl}/projects/${org.projectId}/services/${org.serviceId}/deployments`);
  await page.getByRole("link", { name: "Setup" }).click();

  const snippet = page.getByTestId("Setup snippet");
  await snippet.waitFor();
  assert.equal(
    await snippet.textContent(),
    `import { Syntra } from "@syntra/sdk";\nSyntra.init({ dsn: "${ingest.dsn}" });`,
  );
  assert.equal(await page.getByTestId("Install").textContent(), "npm install @syntra/sdk");
  await shoot(page, "service-setup");
  await page.getByRole("tab", { name: "Python" }).click();
  assert.equal(await snippet.textContent(), `import syntra_sdk\nsyntra_sdk.init(dsn="${ingest.dsn}")`);
  await page.getByRole("tab", { name: "Sentry SDKs" }).click();
  assert.match((await snippet.textContent()) ?? "", new RegExp(ingest.sentry_dsn.replaceAll(".", "\\.")));

  // The DSN as the page shows it, used by the SDK: the error becomes an issue on the Issues page.
  await page.getByRole("tab", { name: "Python" }).click();
  const dsn = /dsn="([^"]+)"/.exec((await snippet.textContent()) ?? "")?.[1] ?? "";
  Syntra.init({ dsn, tracing: false, logs: false });
  Syntra.captureException(new TypeError("reported with the DSN from the setup tab"));
  assert.equal(await Syntra.flush(10_000), true);
  await goto(page, `${baseUrl}/projects/${org.projectId}/issues`);
  await page.getByText("TypeError: reported with the DSN from the setup tab").waitFor();
  await context.close();
});
