// The issue page's AI analysis in a real browser (Debian's chromium driven by playwright-core) against a control
// plane serving the built dashboard, with Claude replaced by a local stand-in speaking Anthropic's Messages API.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { freePort } from "@syntra/testing/ports";
import type { Browser } from "playwright-core";
import { analyzeNewIssues } from "../apps/server/src/ai/background";
import { DOCKERFILE_TOOL } from "../apps/server/src/ai/dockerfile/prompt";
import { ANALYSIS_TOOL } from "../apps/server/src/ai/prompt";
import { MODEL_ANSWER } from "../apps/server/src/ai/testing/analysis-fixtures";
import { anthropicError, anthropicToolUse } from "../apps/server/src/ai/testing/anthropic-stand-in";
import { type StandInServer, startStandInServer } from "../apps/server/src/ai/testing/stand-in-server";
import { BUSYBOX } from "../apps/server/src/builds/builder/testing/base-images";
import { createTestRepo } from "../apps/server/src/builds/builder/testing/git-repos";
import { deployments } from "../apps/server/src/db/schema";
import { ingestErrorEvents } from "../apps/server/src/issues/ingest";
import { errorEventFixture, liveDeployment, serviceOfNewOrg } from "../apps/server/src/testing/error-fixtures";
import { createTestApp, type TestApp } from "../apps/server/src/testing/harness";
import { ensureWebBuild } from "../scripts/build-web";
import { launchBrowser, openAs, shoot } from "./browser";

let t: TestApp;
let claude: StandInServer;
let baseUrl: string;
let browser: Browser;
let owner: { cookie: string };
let viewer: { cookie: string };
let issueId: string;

before(async () => {
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  await ensureWebBuild({ quiet: true });
  claude = await startStandInServer(() => anthropicToolUse(ANALYSIS_TOOL, MODEL_ANSWER));
  t = await createTestApp({
    SYNTRA_PUBLIC_URL: baseUrl,
    ANTHROPIC_API_KEY: "sk-ant-e2e-0123456789abcdef",
    ANTHROPIC_BASE_URL: claude.url,
    SYNTRA_OPEN_SIGNUP: "true",
  });
  await t.app.listen({ host: "127.0.0.1", port });
  const org = await serviceOfNewOrg(t, "ai-e2e@example.com");
  owner = org.owner as { cookie: string };
  viewer = await t.member(owner, "ai-viewer@example.com", "viewer");
  const deploy = await liveDeployment(t.deps, org.serviceId, {
    createdAt: new Date(Date.now() - 3_600_000),
    sha: "abc1234def",
    message: "orders: join customer",
  });
  const event = errorEventFixture(org.serviceId, { deployment_id: deploy });
  issueId = (await ingestErrorEvents(t.deps, { serviceId: org.serviceId }, [event])).issues[0]?.id ?? "";
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await claude?.close();
  await t?.close();
});

const open = (cookie: string, path: string) => openAs(browser, baseUrl, cookie, path);

test("an owner analyzes an issue, sees root cause and evidence, refreshes it; a provider error keeps the analysis", async () => {
  const { context, page } = await open(owner.cookie, `/issues/${issueId}`);
  const card = page.getByTestId("ai-analysis");
  await card.getByText("Not analyzed yet.").waitFor();
  assert.equal(claude.requests.length, 0, "opening the page asks no provider");

  await card.getByRole("button", { name: "Analyze" }).click();
  await card.locator('[data-ai="Root cause"]').waitFor();
  assert.equal(await card.locator('[data-ai="Root cause"]').innerText(), MODEL_ANSWER.root_cause);
  assert.equal(await card.locator('[data-ai="Suggested fix"]').innerText(), MODEL_ANSWER.suggested_fix);
  assert.equal(await card.getByTestId("ai-severity").innerText(), "HIGH");
  assert.match(await card.innerText(), /confidence 72%/);
  assert.match(await card.getByTestId("ai-evidence").innerText(), /abc1234 orders: join customer/);
  assert.match(await card.innerText(), /anthropic · claude-sonnet-5/);
  await shoot(page, "issue-ai-analysis");

  claude.reply = () => anthropicToolUse(ANALYSIS_TOOL, { ...MODEL_ANSWER, severity: "CRITICAL" });
  await card.getByRole("button", { name: "Refresh analysis" }).click();
  await card.getByTestId("ai-severity").getByText("CRITICAL").waitFor();
  assert.equal(claude.requests.length, 2);

  claude.reply = () => anthropicError(529, "overloaded_error", "Overloaded");
  await card.getByRole("button", { name: "Refresh analysis" }).click();
  await card.getByRole("alert").waitFor();
  assert.match(await card.getByRole("alert").innerText(), /overloaded/i);
  assert.equal(await card.getByTestId("ai-severity").innerText(), "CRITICAL", "the stored analysis stays");
  await context.close();
});

test("a viewer reads the stored analysis but is offered no button", async () => {
  const { context, page } = await open(viewer.cookie, `/issues/${issueId}`);
  const card = page.getByTestId("ai-analysis");
  await card.locator('[data-ai="Root cause"]').waitFor();
  assert.equal(await card.getByRole("button").count(), 0);
  await context.close();
});

test("a new issue analyzed in the background shows its analysis on the issue page without anyone asking", async () => {
  const org = await serviceOfNewOrg(t, "ai-e2e-background@example.com");
  const deploy = await liveDeployment(t.deps, org.serviceId, {
    createdAt: new Date(Date.now() - 3_600_000),
    sha: "fedcba9876",
    message: "checkout: new totals",
  });
  const event = errorEventFixture(org.serviceId, { deployment_id: deploy, message: "background e2e" });
  const newIssue = (await ingestErrorEvents(t.deps, { serviceId: org.serviceId }, [event])).issues[0]?.id ?? "";
  claude.reply = () => anthropicToolUse(ANALYSIS_TOOL, MODEL_ANSWER);
  const before = claude.requests.length;
  // Other tests' issues may still be waiting too: at least this one is taken.
  const pass = await analyzeNewIssues(t.deps);
  assert.ok(pass.analyzed >= 1 && pass.notAnalyzed === 0, JSON.stringify(pass));
  const asked = claude.requests.length;
  assert.equal(asked, before + pass.analyzed);

  const { context, page } = await open((org.owner as { cookie: string }).cookie, `/issues/${newIssue}`);
  const card = page.getByTestId("ai-analysis");
  await card.locator('[data-ai="Root cause"]').waitFor();
  assert.equal(await card.locator('[data-ai="Root cause"]').innerText(), MODEL_ANSWER.root_cause);
  assert.equal(claude.requests.length, asked, "opening the page asked nothing more");
  await context.close();
});

test("a failed build without a Dockerfile offers one: generated, built, shown with a copy button; viewers get no offer", async () => {
  const org = await serviceOfNewOrg(t, "ai-e2e-dockerfile@example.com");
  const repo = await createTestRepo();
  try {
    const sha = await repo.commit({ "index.html": "<h1>shop</h1>\n" }, "site");
    const [failed] = await t.deps.db
      .insert(deployments)
      .values({
        serviceId: org.serviceId,
        status: "failed",
        gitCommitSha: sha,
        gitBranch: "main",
        errorCode: "DOCKERFILE_NOT_FOUND",
        errorMessage: "There is no docker/Dockerfile in the repository at this commit",
        buildLogs: "Fetching main\nChecked out\n",
        buildSpec: {
          source_type: "dockerfile",
          repo_url: repo.url,
          ref: "main",
          branch: "main",
          dockerfile_path: "docker/Dockerfile",
          build_context: ".",
        },
        finishedAt: new Date(),
      })
      .returning({ id: deployments.id });
    const dockerfile = `FROM ${BUSYBOX}\nCOPY index.html /srv/\nUSER 10001\nCMD ["httpd", "-f", "-p", "8080", "-h", "/srv"]\n`;
    claude.reply = () =>
      anthropicToolUse(DOCKERFILE_TOOL, { dockerfile, explanation: "Busybox httpd serves the page as uid 10001." });
    const before = claude.requests.length;
    const path = `/projects/${org.projectId}/services/${org.serviceId}/deployments?d=${failed?.id}`;

    const { context, page } = await open((org.owner as { cookie: string }).cookie, path);
    const offer = page.getByTestId("dockerfile-offer");
    await offer.getByRole("button", { name: "Generate a Dockerfile" }).click();
    await offer.getByTestId("dockerfile-verified").getByText("built successfully").waitFor({ timeout: 120_000 });
    assert.equal(await offer.getByTestId("generated-dockerfile-offer").innerText(), dockerfile);
    assert.equal(
      await offer.getByTestId("dockerfile-explanation").innerText(),
      "Busybox httpd serves the page as uid 10001.",
    );
    assert.ok(await offer.getByRole("button", { name: "Copy the Dockerfile" }).isVisible());
    assert.match(await offer.innerText(), /save it in the repository as docker\/Dockerfile, commit and push to main/);
    assert.equal(claude.requests.length, before + 1);
    await shoot(page, "deployment-dockerfile-offer");
    await context.close();

    const reader = await t.member(org.owner, "ai-e2e-dockerfile-viewer@example.com", "viewer");
    const seen = await open(reader.cookie, path);
    await seen.page.getByTestId("deployment-status").waitFor();
    assert.equal(await seen.page.getByTestId("dockerfile-offer").count(), 0);
    await seen.context.close();
  } finally {
    await repo.cleanup();
  }
});
