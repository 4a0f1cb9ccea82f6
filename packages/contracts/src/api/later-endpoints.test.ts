import assert from "node:assert/strict";
import { test } from "node:test";
import type { z } from "zod";
import { aiAnalysis, aiChatBody, aiChatEvent, aiRecommendation, analyzeErrorBody, generateDockerfileBody } from "./ai";
import {
  deployment,
  deploymentDetail,
  execBody,
  execResult,
  listDeploymentsQuery,
  rollbackBody,
  scaleBody,
  serviceLogEntry,
  serviceLogsQuery,
  triggerDeployBody,
} from "./deployments";
import { apiResponse } from "./envelope";
import { errorEventItem, errorGroup, issueEventsQuery, listIssuesQuery, updateIssueBody } from "./issues";
import {
  metricSeries,
  serverMetricsQuery,
  serviceMetricsQuery,
  trace,
  traceSummary,
  tracesQuery,
} from "./observability";

const serviceId = "3f1c2a9e-7b4d-4e8a-9c21-5d6f7a8b9c0d";
const deploymentId = "8a2b4c6d-1e3f-4a5b-8c7d-9e0f1a2b3c4d";
const userId = "c0ffee00-1234-4abc-8def-0123456789ab";
const issueId = "5b6c7d8e-9f01-4234-a567-89abcdef0123";
const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";

/** The paths of the issues a failed parse reported, e.g. `["status"]`. */
function issuePaths(schema: z.ZodType, input: unknown): string[] {
  const result = schema.safeParse(input);
  assert.equal(result.success, false, "expected the input to be rejected");
  return (result.error?.issues ?? []).map((issue) => issue.path.join("."));
}

const runningDeployment = {
  id: deploymentId,
  service_id: serviceId,
  status: "running",
  git_commit_sha: "9fceb02d0ae598e95dc970b74767f19372d61af8",
  git_commit_message: "fix: retry database connection on boot",
  git_branch: "main",
  image_digest: "sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
  build_duration_ms: 48_210,
  deploy_duration_ms: 9_874,
  triggered_by: userId,
  trigger_type: "git_push",
  error_message: null,
  error_code: null,
  rollback_from_id: null,
  image: "registry.syntra.local/shop/api:9fceb02",
  created_at: "2025-03-14T09:26:53.589Z",
  started_at: "2025-03-14T09:26:54.001Z",
  finished_at: "2025-03-14T09:27:52.085Z",
};

test("a deployment and its detail are accepted inside the response envelope", () => {
  assert.ok(apiResponse(deployment).safeParse({ success: true, data: runningDeployment }).success);
  const queued = { ...runningDeployment, status: "queued", started_at: null, finished_at: null, triggered_by: null };
  assert.ok(deployment.safeParse(queued).success);

  const detail = deploymentDetail.parse({
    ...runningDeployment,
    spec_snapshot: null,
    build_spec: {
      source_type: "dockerfile",
      repo_url: "https://github.com/acme/shop.git",
      ref: "main",
      branch: "main",
      dockerfile_path: "Dockerfile",
      build_context: ".",
    },
    generated_dockerfile: null,
    build_logs: "#1 [internal] load build definition from Dockerfile\n#1 DONE 0.0s\n",
    deploy_log: [
      {
        timestamp: "2025-03-14T09:27:43.120+00:00",
        status: "pulling",
        phase: "pull_image",
        progress_percent: 10,
        message: "Pulling registry.syntra.local/shop/api:9fceb02",
      },
      {
        timestamp: "2025-03-14T09:27:51.900+00:00",
        status: "health_checking",
        phase: "health_check",
        progress_percent: 90,
        message: "Waiting for GET /healthz to return 200",
      },
    ],
  });
  assert.equal(detail.deploy_log.length, 2);
});

test("a deployment with an unknown status is rejected on status", () => {
  assert.deepEqual(issuePaths(deployment, { ...runningDeployment, status: "pending" }), ["status"]);
  assert.deepEqual(issuePaths(deployment, { ...runningDeployment, trigger_type: "cron" }), ["trigger_type"]);
});

test("deploy, rollback and scale bodies accept the documented fields and nothing else", () => {
  assert.deepEqual(triggerDeployBody.parse({}), {});
  assert.deepEqual(triggerDeployBody.parse({ git_ref: "9fceb02" }), { git_ref: "9fceb02" });
  assert.deepEqual(triggerDeployBody.parse({ image_tag: "v1.4.2" }), { image_tag: "v1.4.2" });
  assert.deepEqual(issuePaths(triggerDeployBody, { git_ref: "main", image_tag: "v1.4.2" }), ["image_tag"]);
  assert.deepEqual(issuePaths(triggerDeployBody, { git_ref: "--upload-pack=touch /tmp/x" }), ["git_ref"]);
  assert.deepEqual(issuePaths(triggerDeployBody, { git_ref: "main", force: true }), [""]);

  assert.ok(rollbackBody.safeParse({ deployment_id: deploymentId }).success);
  assert.deepEqual(issuePaths(rollbackBody, { deployment_id: "last" }), ["deployment_id"]);

  assert.deepEqual(scaleBody.parse({ replicas: 0 }), { replicas: 0 });
  assert.deepEqual(issuePaths(scaleBody, { replicas: 101 }), ["replicas"]);
  assert.deepEqual(issuePaths(scaleBody, { replicas: 1.5 }), ["replicas"]);
  assert.deepEqual(issuePaths(scaleBody, { replicas: 2, strategy: "rolling" }), [""]);
});

test("exec takes an argv array, defaults its timeout and refuses NUL bytes", () => {
  assert.deepEqual(execBody.parse({ command: ["node", "-e", "console.log(process.version)"] }), {
    command: ["node", "-e", "console.log(process.version)"],
    timeout_seconds: 30,
  });
  const full = { command: ["ls", "-la"], working_dir: "/app", env: { DEBUG: "1" }, timeout_seconds: 3600 };
  assert.deepEqual(execBody.parse(full), full);
  assert.deepEqual(issuePaths(execBody, { command: [] }), ["command"]);
  assert.deepEqual(issuePaths(execBody, { command: ["", "x"] }), ["command.0"]);
  assert.deepEqual(issuePaths(execBody, { command: ["sh", "-c\0rm"] }), ["command.1"]);
  assert.deepEqual(issuePaths(execBody, { command: "ls -la" }), ["command"]);
  assert.deepEqual(issuePaths(execBody, { command: ["ls"], timeout_seconds: 3601 }), ["timeout_seconds"]);
  assert.deepEqual(issuePaths(execBody, { command: ["ls"], working_dir: "app" }), ["working_dir"]);
  assert.deepEqual(issuePaths(execBody, { command: ["ls"], shell: true }), [""]);
  assert.ok(execResult.safeParse({ exit_code: 0, stdout: "total 0\n", stderr: "" }).success);
});

test("deployment list query coerces its limit and accepts every deployment status", () => {
  assert.deepEqual(listDeploymentsQuery.parse({}), { limit: 20 });
  assert.deepEqual(listDeploymentsQuery.parse({ status: "rolled_back", limit: "5" }), {
    status: "rolled_back",
    limit: 5,
  });
  assert.deepEqual(issuePaths(listDeploymentsQuery, { limit: "101" }), ["limit"]);
  assert.deepEqual(issuePaths(listDeploymentsQuery, { limit: "0" }), ["limit"]);
  assert.deepEqual(issuePaths(listDeploymentsQuery, { status: "done" }), ["status"]);
  assert.deepEqual(issuePaths(listDeploymentsQuery, { page: "2" }), [""]);
});

test("service logs query applies defaults, checks level, limit and the time range", () => {
  assert.deepEqual(serviceLogsQuery.parse({}), { limit: 100 });
  const query = {
    from: "2025-03-14T09:00:00Z",
    to: "2025-03-14T10:00:00+01:00",
    level: "warn",
    search: "ECONNREFUSED",
    limit: "250",
    cursor: "eyJ0cyI6MTcxMDQwOTYwMH0",
  };
  assert.deepEqual(serviceLogsQuery.parse(query), { ...query, limit: 250 });
  assert.deepEqual(issuePaths(serviceLogsQuery, { level: "fatal" }), ["level"]);
  assert.deepEqual(issuePaths(serviceLogsQuery, { limit: "1001" }), ["limit"]);
  assert.deepEqual(issuePaths(serviceLogsQuery, { from: "yesterday" }), ["from"]);
  // 10:00+01:00 is 09:00Z, so a `from` of 09:30Z is after `to`.
  assert.deepEqual(issuePaths(serviceLogsQuery, { from: "2025-03-14T09:30:00Z", to: "2025-03-14T10:00:00+01:00" }), [
    "from",
  ]);
});

test("a log entry from the logs table is accepted", () => {
  const line = {
    timestamp: "2025-03-14T09:27:53.123456789Z",
    service_id: serviceId,
    deployment_id: deploymentId,
    level: "error",
    message: "connect ECONNREFUSED 10.0.0.5:5432",
    attributes: { "code.function": "connectDb", "net.peer.port": "5432" },
    trace_id: traceId,
    span_id: "00f067aa0ba902b7",
    source: "sdk",
  };
  assert.ok(serviceLogEntry.safeParse(line).success);
  const { trace_id: _t, span_id: _s, ...stdout } = { ...line, source: "stdout" };
  assert.ok(serviceLogEntry.safeParse(stdout).success);
  assert.deepEqual(issuePaths(serviceLogEntry, { ...line, source: "syslog" }), ["source"]);
});

const analysis = {
  root_cause: "The pool connects before the database container accepts connections.",
  why_now: "Deployment 9fceb02 removed the startup retry loop.",
  suggested_fix: "Restore retries with backoff in connectDb().",
  severity: "HIGH",
  affected_scope: "All requests to /api/orders during the first 20 s after a deploy.",
  confidence: 0.8,
  evidence: [{ kind: "commit", detail: "9fceb02 remove startup retry" }],
  provider: "anthropic",
  model: "claude-sonnet-4-5",
  offline: false,
  generated_at: "2025-03-14T09:31:02Z",
};

const issue = {
  id: issueId,
  service_id: serviceId,
  fingerprint: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  title: "Error: connect ECONNREFUSED 10.0.0.5:5432",
  exception_type: "Error",
  culprit: "connectDb (/app/src/db.ts)",
  status: "regressed",
  severity: "high",
  first_seen_at: "2025-03-01T12:00:00Z",
  last_seen_at: "2025-03-14T09:27:53Z",
  event_count: 1_284,
  user_count: 37,
  assigned_to: null,
  first_deployment_id: deploymentId,
  last_deployment_id: deploymentId,
  last_release: "9fceb02",
  ai_analysis: analysis,
  ai_analyzed_at: "2025-03-14T09:31:02Z",
  ai_auto_outcome: "analyzed",
  resolved_at: null,
  regressed_at: "2025-03-14T09:27:53Z",
  created_at: "2025-03-01T12:00:00Z",
};

test("an error group with and without an AI analysis is accepted", () => {
  assert.ok(errorGroup.safeParse(issue).success);
  assert.ok(errorGroup.safeParse({ ...issue, ai_analysis: null, ai_analyzed_at: null }).success);
  assert.deepEqual(issuePaths(errorGroup, { ...issue, severity: "HIGH" }), ["severity"]);
  assert.deepEqual(issuePaths(errorGroup, { ...issue, ai_analysis: { ...analysis, severity: "high" } }), [
    "ai_analysis.severity",
  ]);
});

test("issue list query and issue update check statuses, ids and the time range", () => {
  assert.deepEqual(listIssuesQuery.parse({}), { sort: "last_seen", stats_period: "24h", limit: 25 });
  assert.ok(
    listIssuesQuery.safeParse({ status: "unresolved", service_id: serviceId, from: "2025-03-01T00:00:00Z" }).success,
  );
  assert.ok(listIssuesQuery.safeParse({ status: "regressed", sort: "events", query: "ECONNREFUSED" }).success);
  assert.deepEqual(issuePaths(listIssuesQuery, { status: "open" }), ["status"]);
  assert.deepEqual(issuePaths(listIssuesQuery, { sort: "title" }), ["sort"]);
  assert.deepEqual(issuePaths(listIssuesQuery, { service_id: "api" }), ["service_id"]);
  assert.deepEqual(issuePaths(listIssuesQuery, { from: "2025-03-02T00:00:00Z", to: "2025-03-01T00:00:00Z" }), ["from"]);

  assert.deepEqual(updateIssueBody.parse({ status: "resolved" }), { status: "resolved" });
  assert.deepEqual(updateIssueBody.parse({ assigned_to: null }), { assigned_to: null });
  assert.deepEqual(issuePaths(updateIssueBody, {}), [""]);
  assert.deepEqual(issuePaths(updateIssueBody, { status: "regressed" }), ["status"]);
  assert.deepEqual(issuePaths(updateIssueBody, { status: "resolved", title: "renamed" }), [""]);
});

test("issue events accept stored events and page with a coerced limit", () => {
  const event = {
    id: "0d9c8b7a-6f5e-4d3c-b2a1-0f9e8d7c6b5a",
    error_group_id: issueId,
    deployment_id: deploymentId,
    type: "Error",
    message: "connect ECONNREFUSED 10.0.0.5:5432",
    level: "error",
    handled: false,
    trace_id: traceId,
    span_id: "00f067aa0ba902b7",
    stack_trace: [
      { filename: "node:net", function: "TCPConnectWrap.afterConnect", lineno: 1607, in_app: false },
      {
        filename: "/app/src/db.ts",
        function: "connectDb",
        lineno: 42,
        colno: 11,
        context_line: "  await pool.connect();",
        pre_context: ["export async function connectDb() {"],
        post_context: ["}"],
        in_app: true,
      },
    ],
    breadcrumbs: [
      { timestamp: "2025-03-14T09:27:52Z", type: "query", category: "pg", message: "SELECT 1", level: "info" },
    ],
    context: { environment: "production", release: "9fceb02", tags: { region: "eu" }, extra: {} },
    environment: "production",
    release: "9fceb02",
    timestamp: "2025-03-14T09:27:53Z",
  };
  assert.ok(errorEventItem.safeParse(event).success);
  const bare = { deployment_id: null, breadcrumbs: null, context: null, trace_id: null, span_id: null, level: null };
  assert.ok(errorEventItem.safeParse({ ...event, ...bare }).success);
  assert.deepEqual(issueEventsQuery.parse({}), { limit: 20 });
  assert.deepEqual(issueEventsQuery.parse({ limit: "50", cursor: "abc" }), { limit: 50, cursor: "abc" });
  assert.deepEqual(issuePaths(issueEventsQuery, { limit: "500" }), ["limit"]);
});

test("trace queries, summaries and full traces", () => {
  assert.deepEqual(tracesQuery.parse({}), { limit: 20 });
  assert.deepEqual(tracesQuery.parse({ min_duration_ms: "250", status: "error", operation: "GET /api/orders" }), {
    min_duration_ms: 250,
    status: "error",
    operation: "GET /api/orders",
    limit: 20,
  });
  assert.deepEqual(issuePaths(tracesQuery, { status: "unset" }), ["status"]);
  assert.deepEqual(issuePaths(tracesQuery, { min_duration_ms: "-1" }), ["min_duration_ms"]);
  // Up to 1000 (a Syntra addition, for the traces view's scatter; the contracts say 100).
  assert.deepEqual(issuePaths(tracesQuery, { limit: "1001" }), ["limit"]);
  assert.deepEqual(issuePaths(tracesQuery, { from: "2025-03-14T10:00:00Z", to: "2025-03-14T09:00:00Z" }), ["from"]);

  assert.ok(
    traceSummary.safeParse({
      trace_id: traceId,
      root_operation: "GET /api/orders",
      service_id: serviceId,
      start_time: "2025-03-14T09:27:53.100Z",
      duration_ms: 812.4,
      span_count: 7,
      status: "error",
      service_ids: [serviceId],
    }).success,
  );

  const root = {
    trace_id: traceId,
    span_id: "00f067aa0ba902b7",
    parent_span_id: null,
    service_id: serviceId,
    deployment_id: serviceId,
    operation_name: "GET /api/orders",
    span_kind: "server",
    start_time: "2025-03-14T09:27:53.100000000Z",
    duration_ns: 812_400_000,
    status_code: "error",
    status_message: "connect ECONNREFUSED",
    attributes: { "http.method": "GET", "http.status_code": "500" },
    events: [{ name: "exception", timestamp_ns: 1_710_408_473_900_000_000, attributes: { "exception.type": "Error" } }],
    sample_weight: 1,
  };
  const child = { ...root, span_id: "b7ad6b7169203331", parent_span_id: root.span_id, span_kind: "client", events: [] };
  assert.ok(trace.safeParse({ trace_id: traceId, spans: [root, child], truncated: false }).success);
  // The answer says whether it holds the whole trace: a client must not take a truncated one for all of it.
  assert.deepEqual(issuePaths(trace, { trace_id: traceId, spans: [root, child] }), ["truncated"]);
  assert.deepEqual(
    issuePaths(trace, { trace_id: traceId, spans: [{ ...root, span_kind: "http" }], truncated: false }),
    ["spans.0.span_kind"],
  );
  assert.deepEqual(issuePaths(trace, { trace_id: "0".repeat(32), spans: [root], truncated: false }), ["spans"]);
});

test("metric queries split the metric list and apply their interval defaults", () => {
  assert.deepEqual(serviceMetricsQuery.parse({ metrics: "cpu,memory" }), {
    metrics: ["cpu", "memory"],
    interval: "1m",
  });
  assert.deepEqual(serviceMetricsQuery.parse({ metrics: " cpu , http.server.duration,cpu", interval: "1h" }).metrics, [
    "cpu",
    "http.server.duration",
  ]);
  assert.deepEqual(serviceMetricsQuery.parse({ metrics: ["cpu", "memory,disk"] }).metrics, ["cpu", "memory", "disk"]);
  assert.deepEqual(issuePaths(serviceMetricsQuery, {}), ["metrics"]);
  assert.deepEqual(issuePaths(serviceMetricsQuery, { metrics: " , " }), ["metrics"]);
  assert.deepEqual(issuePaths(serviceMetricsQuery, { metrics: "cpu;drop" }), ["metrics.0"]);
  assert.deepEqual(issuePaths(serviceMetricsQuery, { metrics: "cpu", interval: "1d" }), ["interval"]);
  assert.deepEqual(
    issuePaths(serviceMetricsQuery, { metrics: "cpu", from: "2025-03-14T10:00:00Z", to: "2025-03-14T09:00:00Z" }),
    ["from"],
  );

  assert.deepEqual(serverMetricsQuery.parse({}), { interval: "5m" });
  assert.deepEqual(serverMetricsQuery.parse({ interval: "1d" }), { interval: "1d" });
  assert.deepEqual(issuePaths(serverMetricsQuery, { interval: "1w" }), ["interval"]);
  assert.deepEqual(issuePaths(serverMetricsQuery, { metrics: "cpu" }), [""]);

  assert.ok(
    metricSeries.safeParse({
      name: "cpu_percent",
      labels: { server_id: serviceId },
      points: [
        { timestamp: "2025-03-14T09:00:00Z", value: 41.5, min: 12, max: 88.2, avg: 41.5 },
        { timestamp: "2025-03-14T09:05:00Z", value: 39.1 },
      ],
    }).success,
  );
});

test("AI bodies: defaults, limits and unknown fields", () => {
  assert.deepEqual(analyzeErrorBody.parse({ issue_id: issueId }), { issue_id: issueId, force_refresh: false });
  assert.deepEqual(issuePaths(analyzeErrorBody, { issue_id: issueId, force_refresh: "yes" }), ["force_refresh"]);
  assert.deepEqual(issuePaths(analyzeErrorBody, { issue_id: issueId, model: "gpt" }), [""]);

  assert.ok(
    generateDockerfileBody.safeParse({
      repo_url: "https://github.com/acme/shop.git",
      branch: "main",
      framework_hint: "nextjs",
    }).success,
  );
  assert.deepEqual(issuePaths(generateDockerfileBody, { repo_url: "not a url" }), ["repo_url"]);

  assert.deepEqual(aiChatBody.parse({ message: "Why is checkout slow since the last deploy?", context: {} }), {
    message: "Why is checkout slow since the last deploy?",
    context: {},
  });
  assert.ok(
    aiChatBody.safeParse({ message: "and now?", context: { service_id: serviceId, issue_id: issueId } }).success,
  );
  assert.deepEqual(issuePaths(aiChatBody, { message: "   ", context: {} }), ["message"]);
  assert.deepEqual(issuePaths(aiChatBody, { message: "x".repeat(10_001), context: {} }), ["message"]);
  assert.deepEqual(issuePaths(aiChatBody, { message: "hi", context: { server_id: serviceId } }), ["context"]);
});

test("AI answers: analysis, chat events and recommendations", () => {
  assert.ok(aiAnalysis.safeParse({ ...analysis, provider: "offline", model: "rules", offline: true }).success);
  assert.deepEqual(aiChatEvent.parse({ event: "token", data: { content: "The " } }), {
    event: "token",
    data: { content: "The " },
  });
  assert.ok(aiChatEvent.safeParse({ event: "done", data: { message_id: "msg_01" } }).success);
  assert.ok(aiChatEvent.safeParse({ event: "error", data: { error: "provider timed out" } }).success);
  assert.deepEqual(issuePaths(aiChatEvent, { event: "done", data: { content: "x" } }), ["data.message_id"]);

  const recommendation = {
    id: "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b",
    service_id: serviceId,
    kind: "rightsizing",
    title: "Lower the memory limit",
    description: "Peak memory over 14 days was 310 MB of the 2 GB limit.",
    current: { memory_limit: "2g" },
    suggested: { memory_limit: "512m" },
    created_at: "2025-03-14T00:00:00Z",
  };
  assert.ok(aiRecommendation.safeParse(recommendation).success);
  assert.deepEqual(issuePaths(aiRecommendation, { ...recommendation, kind: "security" }), ["kind"]);
});
