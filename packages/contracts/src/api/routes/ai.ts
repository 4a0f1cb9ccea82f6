import {
  aiAnalysis,
  aiAnomalyBand,
  aiAnomalyQuery,
  aiChatBody,
  aiChatStreamEvent,
  aiRecommendations,
  aiUsage,
  aiUsageQuery,
  analyzeErrorBody,
  generateDockerfileBody,
  generatedDockerfile,
} from "../ai";
import { idParam } from "../envelope";
import { defineApiRoute } from "../route";

/** What any request that may reach a provider can fail with. */
const PROVIDER_CALL_ERRORS = [
  "AI_DISABLED",
  "AI_RATE_LIMITED",
  "AI_OVERLOADED",
  "AI_TIMEOUT",
  "AI_PROVIDER_ERROR",
  "AI_BUDGET_EXCEEDED",
] as const;

/** The AI engine: analyses of issues (more to come: Dockerfiles, chat). */
export const aiRoutes = {
  analyzeError: defineApiRoute({
    method: "POST",
    path: "/api/v1/ai/analyze-error",
    summary:
      "Analyze an issue (root cause, why now, fix, severity, scope, confidence, evidence); the stored analysis unless force_refresh",
    tag: "ai",
    access: { permission: "issues:write" },
    body: analyzeErrorBody,
    response: aiAnalysis,
    // NOT_FOUND: the issue is not one of the organization's (the body names it, so the shape does not imply it).
    errors: ["NOT_FOUND", ...PROVIDER_CALL_ERRORS, "AI_INVALID_ANSWER"],
  }),
  generateDockerfile: defineApiRoute({
    method: "POST",
    path: "/api/v1/ai/generate-dockerfile",
    summary:
      "Write a production Dockerfile for a repository (multi-stage, non-root, cache-friendly) and build it to verify it",
    tag: "ai",
    access: { permission: "services:write" },
    body: generateDockerfileBody,
    response: generatedDockerfile,
    // NOT_FOUND: service_id is not one of the organization's services. The git codes are the builder's.
    errors: [
      "NOT_FOUND",
      "INVALID_REQUEST",
      "CLONE_FAILED",
      "REF_NOT_FOUND",
      "NO_BUILDABLE_STACK",
      "AI_DISABLED",
      "AI_RATE_LIMITED",
      "AI_OVERLOADED",
      "AI_TIMEOUT",
      "AI_PROVIDER_ERROR",
      "AI_INVALID_ANSWER",
      "AI_BUDGET_EXCEEDED",
    ],
  }),
  usage: defineApiRoute({
    method: "GET",
    path: "/api/v1/ai/usage",
    summary: "The organization's AI requests and tokens per day, provider and model, and the engine's setting",
    tag: "ai",
    access: { permission: "org:read" },
    query: aiUsageQuery,
    response: aiUsage,
  }),
  anomalies: defineApiRoute({
    method: "GET",
    path: "/api/v1/ai/anomalies/:serviceId",
    summary:
      "A service's request rate, error rate or p95 latency at 5-minute steps with the anomaly detector's expected value, band, state and anomalies",
    tag: "ai",
    access: { permission: "services:read" },
    params: idParam("serviceId"),
    query: aiAnomalyQuery,
    response: aiAnomalyBand,
  }),
  /**
   * A question about a service, project or issue (their data sent along, redacted); the answer streams as
   * Server-Sent Events: `token` {content}..., then `done` {message_id}, or `error` {error, code} when it fails after
   * it started (a failure before it is an ordinary error answer).
   */
  chat: defineApiRoute({
    method: "POST",
    path: "/api/v1/ai/chat",
    summary: "Ask about a service, project or issue; the answer streams as Server-Sent Events",
    tag: "ai",
    access: { permission: "issues:write" },
    body: aiChatBody,
    answer: "stream",
    produces: "text/event-stream",
    events: aiChatStreamEvent,
    errors: ["NOT_FOUND", ...PROVIDER_CALL_ERRORS],
  }),
  recommendations: defineApiRoute({
    method: "GET",
    path: "/api/v1/ai/recommendations/:serviceId",
    summary:
      "CPU limit, memory limit and replica suggestions for a service from its containers' last 7 days (p95, peaks, OOM kills), with the numbers behind each; apply one with PATCH /services/:serviceId",
    tag: "ai",
    access: { permission: "services:read" },
    params: idParam("serviceId"),
    response: aiRecommendations,
  }),
};
