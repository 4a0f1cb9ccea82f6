import { z } from "zod";
import { isoTimestamp, uuid } from "../common";
import { gitBranch, gitRepoUrl } from "./projects";

/** POST /ai/analyze-error. `force_refresh` re-runs the analysis instead of returning the stored one. */
export const analyzeErrorBody = z.strictObject({
  issue_id: uuid,
  force_refresh: z.boolean().default(false),
});
export type AnalyzeErrorBody = z.infer<typeof analyzeErrorBody>;

/** Severity as the analysis model judges it (upper case, unlike an issue's own `severity`). */
export const aiSeverity = z.enum(["CRITICAL", "HIGH", "MEDIUM", "LOW"]);
export type AISeverity = z.infer<typeof aiSeverity>;

/** What a piece of evidence is: where in the issue's data the analysis found it. */
export const aiEvidenceKind = z.enum([
  "stack_frame",
  "breadcrumb",
  "event",
  "deployment",
  "commit",
  "pattern",
  "trace",
  "metric",
  "issue",
  "alert",
  "other",
]);

/** One fact the analysis relied on, quoted or pointed at so a reader can check it. */
export const aiEvidence = z.object({
  kind: aiEvidenceKind,
  detail: z.string().min(1).max(1000),
});
export type AIEvidence = z.infer<typeof aiEvidence>;

/**
 * The part of an analysis a provider writes (a model's structured answer, or the offline analyzer's): root cause,
 * why it started now, the fix, severity, who is affected, how sure it is (0 to 1) and the evidence used.
 */
export const aiAnalysisAnswer = z.object({
  root_cause: z.string().min(1).max(4000),
  why_now: z.string().min(1).max(4000),
  suggested_fix: z.string().min(1).max(4000),
  severity: aiSeverity,
  affected_scope: z.string().min(1).max(2000),
  confidence: z.number().min(0).max(1),
  evidence: z.array(aiEvidence).max(20),
});
export type AIAnalysisAnswer = z.infer<typeof aiAnalysisAnswer>;

/**
 * The analysis of an error group: the provider's answer and which provider and model wrote it. `offline` is
 * true when no provider is configured and the offline analyzer answered from the data itself.
 */
export const aiAnalysis = aiAnalysisAnswer.extend({
  provider: z.enum(["anthropic", "openai", "offline"]),
  model: z.string(),
  offline: z.boolean(),
  generated_at: isoTimestamp,
});
export type AIAnalysis = z.infer<typeof aiAnalysis>;

/**
 * The part of an incident summary a provider writes: what is happening (a few sentences a responder reads first),
 * the likely cause (or that the data does not show one), how sure it is, and the facts it used.
 */
export const aiIncidentSummaryAnswer = z.object({
  summary: z.string().min(1).max(2000),
  likely_cause: z.string().min(1).max(2000),
  confidence: z.number().min(0).max(1),
  evidence: z.array(aiEvidence).max(20),
});
export type AIIncidentSummaryAnswer = z.infer<typeof aiIncidentSummaryAnswer>;

/** The AI summary of an alert incident, with which provider and model wrote it. */
export const aiIncidentSummary = aiIncidentSummaryAnswer.extend({
  provider: z.enum(["anthropic", "openai", "offline"]),
  model: z.string(),
  offline: z.boolean(),
  generated_at: isoTimestamp,
});
export type AIIncidentSummary = z.infer<typeof aiIncidentSummary>;

/**
 * POST /ai/generate-dockerfile. `branch` defaults to the repository's default branch; `framework_hint` names the
 * framework when detection may guess wrong; `service_id` (optional) is the service the Dockerfile is for: its git
 * credentials are used when `repo_url` is its repository, and its port is the one the image listens on.
 */
export const generateDockerfileBody = z.strictObject({
  repo_url: gitRepoUrl,
  branch: gitBranch.optional(),
  framework_hint: z.string().trim().min(1).max(100).optional(),
  service_id: uuid.optional(),
});
export type GenerateDockerfileBody = z.infer<typeof generateDockerfileBody>;

/** A Dockerfile as a provider writes it (the tool input of a chat model, the offline generator's answer). */
export const aiDockerfileAnswer = z.object({
  dockerfile: z.string().min(1).max(20_000),
  explanation: z.string().min(1).max(4000),
});
export type AIDockerfileAnswer = z.infer<typeof aiDockerfileAnswer>;

/**
 * How a generated Dockerfile was checked: `built` (the Docker engine built it from the repository), `failed`
 * (the build failed or took longer than SYNTRA_AI_DOCKERFILE_BUILD_SECONDS; `log_tail` says why) or `skipped`
 * (no Docker engine reachable; `reason` says so).
 */
export const dockerfileVerification = z.object({
  status: z.enum(["built", "failed", "skipped"]),
  duration_ms: z.number().int().nonnegative(),
  log_tail: z.string().nullable(),
  reason: z.string().nullable(),
});
export type DockerfileVerification = z.infer<typeof dockerfileVerification>;

/**
 * Answer to POST /ai/generate-dockerfile: the Dockerfile and its explanation, `verified` true only when the
 * Docker engine built it; `attempts` the provider answers tried (a model's Dockerfile that fails to build is
 * sent back once with the build error); `stack` what the builder's detection found; `files_read` the files sent
 * to the provider (secret files such as .env are never read: `files_withheld` names them). `dockerignore` is the
 * .dockerignore to commit with it when the repository has none (the verification build used it); null otherwise.
 */
export const generatedDockerfile = aiDockerfileAnswer.extend({
  verified: z.boolean(),
  verification: dockerfileVerification,
  attempts: z.number().int().min(1),
  stack: z.enum(["node", "python", "go", "static"]).nullable(),
  commit_sha: z.string(),
  files_read: z.array(z.string()),
  files_withheld: z.array(z.string()),
  dockerignore: z.string().nullable(),
  provider: z.enum(["anthropic", "openai", "offline"]),
  model: z.string(),
  offline: z.boolean(),
  generated_at: isoTimestamp,
});
export type GeneratedDockerfile = z.infer<typeof generatedDockerfile>;

/** POST /ai/chat. `context` names what the question is about; it may be empty. */
export const aiChatBody = z.strictObject({
  message: z.string().trim().min(1).max(10_000),
  context: z.strictObject({
    service_id: uuid.optional(),
    project_id: uuid.optional(),
    issue_id: uuid.optional(),
  }),
});
export type AIChatBody = z.infer<typeof aiChatBody>;

/** `data` of a `token` SSE event: the next piece of the answer. */
export const aiChatTokenData = z.object({ content: z.string() });

/** `data` of the `done` SSE event that ends a complete answer. */
export const aiChatDoneData = z.object({ message_id: z.string().min(1) });

/** `data` of the `error` SSE event that ends a failed answer. */
export const aiChatErrorData = z.object({
  error: z.string(),
  /** The error code (AI_OVERLOADED, AI_TIMEOUT, ...) of a failure after the answer started. */
  code: z.string().optional(),
});

/** One event of the POST /ai/chat stream: the SSE `event:` name and its JSON `data:`. */
export const aiChatEvent = z.discriminatedUnion("event", [
  z.object({ event: z.literal("token"), data: aiChatTokenData }),
  z.object({ event: z.literal("done"), data: aiChatDoneData }),
  z.object({ event: z.literal("error"), data: aiChatErrorData }),
]);
export type AIChatEvent = z.infer<typeof aiChatEvent>;

/** The chat's stream events as the route declares them: `{ type: <SSE event name>, ...data }`. */
export const aiChatStreamEvent = z.discriminatedUnion("type", [
  aiChatTokenData.extend({ type: z.literal("token") }),
  aiChatDoneData.extend({ type: z.literal("done") }),
  aiChatErrorData.extend({ type: z.literal("error") }),
]);

/**
 * One item of GET /ai/recommendations/:serviceId. `current` and `suggested` hold the settings
 * the recommendation compares, e.g. `{ memory_limit: "2g" }` and `{ memory_limit: "512m" }`.
 */
export const aiRecommendation = z.object({
  id: uuid,
  service_id: uuid,
  kind: z.enum(["rightsizing", "scaling", "cost", "reliability"]),
  title: z.string(),
  description: z.string(),
  current: z.record(z.string(), z.unknown()).optional(),
  suggested: z.record(z.string(), z.unknown()).optional(),
  /** The figures behind the suggestion (Syntra extension): what was measured and the rule applied to it. */
  basis: z
    .object({
      /** What the figures measure, e.g. "cpu_cores" per container or "memory_bytes". */
      measure: z.enum(["cpu_cores", "memory_bytes", "total_cpu_cores"]),
      p95: z.number(),
      peak: z.number(),
      /** The rule, in words: e.g. "1.5 × p95 or the peak, whichever is higher, rounded up to 0.1 core". */
      rule: z.string(),
      /** The setting now (null: none). */
      current_limit: z.string().nullable(),
    })
    .optional(),
  created_at: isoTimestamp,
});
export type AIRecommendation = z.infer<typeof aiRecommendation>;

/**
 * GET /ai/recommendations/:serviceId (Syntra's answer wraps the contract's AIRecommendation[] in `recommendations`,
 * beside the usage they were computed from and a "not enough data" state). Deterministic rules over the service's
 * containers' CPU and memory of the last 7 days (from the agents' heartbeats) and its OOM kills.
 */
export const aiRecommendations = z.object({
  service_id: uuid,
  /** `not_enough_data`: less history than `needed_hours`; no suggestions yet. */
  state: z.enum(["ready", "not_enough_data"]),
  window: z.object({ from: isoTimestamp, to: isoTimestamp }),
  /** Hours with container figures in the window, and how many a suggestion needs. */
  observed_hours: z.number(),
  needed_hours: z.number(),
  current: z.object({ cpu_limit: z.string().nullable(), memory_limit: z.string().nullable(), replicas: z.number() }),
  usage: z.object({
    /** Containers seen in the window (replicas and the ones deploys replaced). */
    containers: z.number().int(),
    /** Per container, of its 5-minute averages; peak: the highest sample. Null without data. */
    cpu_cores: z.object({ p95: z.number(), peak: z.number() }).nullable(),
    memory_bytes: z.object({ p95: z.number(), peak: z.number() }).nullable(),
    /** All containers together per 5-minute step. */
    total_cpu_cores: z.object({ p95: z.number(), peak: z.number() }).nullable(),
    /** Containers the kernel killed for memory in the window (the agents' container_crash alerts with oom_killed). */
    oom_kills: z.number().int(),
    /**
     * CPU throttling is not measured (heartbeats carry CPU percent, not the cgroup's throttled periods);
     * `steps_at_cpu_limit`: 5-minute steps of a container whose highest sample reached 95% of the current limit.
     */
    throttling: z.object({
      measured: z.literal(false),
      steps_at_cpu_limit: z.number().int().nullable(),
      note: z.string(),
    }),
  }),
  recommendations: z.array(aiRecommendation),
  /** What was found and why, in words (rule-based; the numbers are the data's). */
  explanation: z.string(),
});
export type AIRecommendations = z.infer<typeof aiRecommendations>;

/**
 * The signals the anomaly detector judges per service: request rate, error rate and p95 latency from its spans; CPU
 * (percent of one core) and memory (bytes) of its busiest container from the agents' heartbeats.
 */
export const anomalySignal = z.enum(["request_rate", "error_rate", "latency_p95", "cpu", "memory"]);
export type AnomalySignal = z.infer<typeof anomalySignal>;

/** GET /ai/anomalies/:serviceId: which signal, how many hours back, at which sensitivity, explained or not. */
export const aiAnomalyQuery = z.strictObject({
  signal: anomalySignal.default("error_rate"),
  hours: z.coerce.number().int().min(1).max(168).default(24),
  sensitivity: z.enum(["low", "medium", "high"]).default("medium"),
  /** `false`: the ranges without their explanations (a chart's band needs only the ranges; saves the queries). */
  explain: z.enum(["true", "false"]).default("true"),
});
export type AIAnomalyQuery = z.infer<typeof aiAnomalyQuery>;

/** The detector's state of one 5-minute step. */
export const aiAnomalyState = z.enum(["learning", "normal", "deviation", "anomaly"]);

/**
 * What was going on around one anomaly (data only, no provider): the service's deployments that finished in the
 * hour before it started or inside it, its issues first seen or regressed in the window (from 30 minutes before the
 * start to the end), example traces from that window (the slowest and the failing ones), and one sentence naming
 * the likeliest cause by a fixed rule (a deploy shortly before, else a new or regressed issue, else none).
 */
export const aiAnomalyExplanation = z.object({
  summary: z.string(),
  deployments: z.array(
    z.object({
      id: uuid,
      status: z.string(),
      commit_sha: z.string().nullable(),
      commit_message: z.string().nullable(),
      finished_at: isoTimestamp,
      /** Minutes from the deploy finishing to the anomaly's start; negative when it finished inside the anomaly. */
      minutes_before_start: z.number().int(),
    }),
  ),
  issues: z.array(
    z.object({
      id: uuid,
      title: z.string(),
      first_seen_at: isoTimestamp,
      /** Null unless the issue came back after being resolved. */
      regressed_at: isoTimestamp.nullable(),
      /** `new`: first seen in the window; `regressed`: came back in it. */
      kind: z.enum(["new", "regressed"]),
      events_in_window: z.number().int().nonnegative(),
    }),
  ),
  traces: z.array(
    z.object({
      trace_id: z.string(),
      root_operation: z.string(),
      start_time: isoTimestamp,
      duration_ms: z.number().nonnegative(),
      status: z.enum(["ok", "error", "unset"]),
    }),
  ),
});
export type AIAnomalyExplanation = z.infer<typeof aiAnomalyExplanation>;

/**
 * A service's signal with the detector's band, for charts: each 5-minute step's value (null: no data), expected
 * value and normal band (null while learning), and state; the anomalies as time ranges, each with its
 * explanation (null only past the newest few, which are the ones explained).
 */
export const aiAnomalyBand = z.object({
  signal: anomalySignal,
  step_seconds: z.number().int().positive(),
  /** The last step's state. */
  state: aiAnomalyState,
  points: z.array(
    z.object({
      timestamp: isoTimestamp,
      value: z.number().nullable(),
      expected: z.number().nullable(),
      lower: z.number().nullable(),
      upper: z.number().nullable(),
      state: aiAnomalyState,
    }),
  ),
  anomalies: z.array(z.object({ from: isoTimestamp, to: isoTimestamp, explanation: aiAnomalyExplanation.nullable() })),
});
export type AIAnomalyBand = z.infer<typeof aiAnomalyBand>;

/** GET /ai/usage: how many days back, today included. */
export const aiUsageQuery = z.strictObject({
  days: z.coerce.number().int().min(1).max(366).default(30),
});
export type AIUsageQuery = z.infer<typeof aiUsageQuery>;

/** Requests and tokens of one day (UTC), feature, provider and model. */
export const aiUsageDay = z.object({
  day: z.iso.date(),
  /** What spent them: error_analysis, incident_summary, dockerfile, recommendation, chat; other (before 0030). */
  feature: z.string(),
  provider: z.string(),
  model: z.string(),
  requests: z.number().int().nonnegative(),
  input_tokens: z.number().int().nonnegative(),
  output_tokens: z.number().int().nonnegative(),
});

/** An organization's token budget of the current UTC day and what it has spent of it. */
export const aiBudget = z.object({
  /** Tokens (input + output) per UTC day; 0 lets no request reach a provider. */
  daily_tokens: z.number().int().nonnegative(),
  /** organization: its own ai_daily_token_budget; installation: SYNTRA_AI_DAILY_TOKENS. */
  source: z.enum(["organization", "installation"]),
  used_today: z.number().int().nonnegative(),
  remaining_today: z.number().int().nonnegative(),
  /** Midnight UTC after today. */
  resets_at: isoTimestamp,
});
export type AIBudget = z.infer<typeof aiBudget>;

/** The organization's AI usage, and what this installation's AI engine is set to. */
export const aiUsage = z.object({
  /** False with SYNTRA_AI=off. */
  enabled: z.boolean(),
  provider: z.enum(["anthropic", "openai", "offline"]),
  model: z.string(),
  /** Whether new issues are analyzed in the background (the organization's ai_auto_analyze and the installation). */
  auto_analyze: z.boolean(),
  budget: aiBudget,
  days: z.array(aiUsageDay),
  totals: z.object({
    requests: z.number().int().nonnegative(),
    input_tokens: z.number().int().nonnegative(),
    output_tokens: z.number().int().nonnegative(),
  }),
});
export type AIUsage = z.infer<typeof aiUsage>;
