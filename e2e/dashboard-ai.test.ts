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
import { recordAiUsage } from "../apps/server/src/ai/usage";
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

test("the settings page's AI section: provider, today's tokens against the budget, usage per feature, the switches", async () => {
  const org = await serviceOfNewOrg(t, "ai-e2e-settings@example.com");
  const orgOwner = org.owner as { cookie: string };
  const orgViewer = await t.member(org.owner, "ai-e2e-settings-viewer@example.com", "viewer");
  const deploy = await liveDeployment(t.deps, org.serviceId, {
    createdAt: new Date(Date.now() - 3_600_000),
    sha: "0badc0ffee",
    message: "cart: totals",
  });
  const event = errorEventFixture(org.serviceId, { deployment_id: deploy, message: "settings e2e" });
  const issue = (await ingestErrorEvents(t.deps, { serviceId: org.serviceId }, [event])).issues[0]?.id ?? "";
  claude.reply = () => anthropicToolUse(ANALYSIS_TOOL, MODEL_ANSWER);
  // Today: one analysis through the API (1234 + 321 tokens from the stand-in's stream). Yesterday: an incident
  // summary, written as the summarizer records it (the clock cannot be turned back for a real one).
  const analyzed = await t.call("POST", "/api/v1/ai/analyze-error", { as: org.owner, body: { issue_id: issue } });
  assert.equal(analyzed.status, 200, JSON.stringify(analyzed.body));
  await recordAiUsage(t.deps.db, {
    orgId: org.orgId,
    feature: "incident_summary",
    provider: "anthropic",
    model: "claude-sonnet-5",
    usage: { inputTokens: 400, outputTokens: 100 },
    at: new Date(Date.now() - 86_400_000),
  });
  const today = new Date().toISOString().slice(0, 10);
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

  const { context, page } = await open(orgOwner.cookie, "/settings");
  const card = page.getByTestId("ai-settings");
  await card.getByTestId("ai-engine").getByText("claude-sonnet-5").waitFor();
  assert.match(await card.getByTestId("ai-engine").innerText(), /anthropic answered by claude-sonnet-5/);
  assert.match(await card.getByTestId("ai-engine").innerText(), /Background analysis of new issues is on/);
  assert.match(await card.getByTestId("ai-budget").innerText(), /1,555 of 1,000,000 tokens used today/);
  assert.match(await card.getByTestId("ai-budget").innerText(), /installation default/);
  assert.equal(await card.getByRole("progressbar").getAttribute("aria-valuenow"), "1555");
  const table = card.getByRole("table", { name: "AI usage per feature" });
  assert.deepEqual(await table.locator("thead th").allInnerTexts(), [
    "Day (UTC)",
    "Error analysis",
    "Incident summaries",
  ]);
  assert.deepEqual(await table.locator(`tr[data-day="${today}"] td`).allInnerTexts(), [today, "1,555 (1 req)", "—"]);
  assert.deepEqual(await table.locator(`tr[data-day="${yesterday}"] td`).allInnerTexts(), [
    yesterday,
    "—",
    "500 (1 req)",
  ]);
  await shoot(page, "settings-ai");

  // A budget below today's use: the bar is full and the card says requests are refused.
  await card.getByLabel("Daily token budget").fill("1000");
  await card.getByRole("button", { name: "Save budget" }).click();
  await card.getByTestId("ai-budget").getByText("1,555 of 1,000 tokens used today").waitFor();
  assert.match(await card.getByTestId("ai-budget").innerText(), /your organization's budget/);
  assert.match(await card.getByTestId("ai-budget").innerText(), /budget is spent/);
  const stored = await t.call("GET", "/api/v1/org", { as: org.owner });
  assert.equal(stored.body.data.ai_daily_token_budget, 1000);
  // A bad budget is refused on its field and the stored one stays.
  await card.getByLabel("Daily token budget").fill("-5");
  await card.getByRole("button", { name: "Save budget" }).click();
  await card.getByRole("alert").waitFor();
  assert.equal((await t.call("GET", "/api/v1/org", { as: org.owner })).body.data.ai_daily_token_budget, 1000);

  // The box follows the stored value: it turns off once the organization says so.
  const auto = card.getByLabel("Analyze new issues and summarize incidents in the background");
  await auto.click();
  await card.getByTestId("ai-engine").getByText("Background analysis of new issues is off").waitFor();
  assert.equal(await auto.isChecked(), false);
  assert.equal((await t.call("GET", "/api/v1/org", { as: org.owner })).body.data.ai_auto_analyze, false);
  await context.close();

  const viewing = await open(orgViewer.cookie, "/settings");
  const seen = viewing.page.getByTestId("ai-settings");
  await seen.getByTestId("ai-budget").getByText("1,555 of 1,000 tokens used today").waitFor();
  assert.equal(
    await seen.getByLabel("Replace email addresses before anything is sent to an AI provider").isDisabled(),
    true,
  );
  assert.equal(await seen.getByLabel("Daily token budget").isDisabled(), true);
  assert.equal(await seen.getByRole("button", { name: "Save budget" }).count(), 0);
  await viewing.context.close();
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
