import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { type AiConfig, aiConfigFrom, aiEnvSchema } from "./ai/config";
import { PGLITE_DEFAULTS, type PgliteSettings } from "./db/pglite-settings";
import { CONTROL_PLANE_VERSION } from "./version";

const semverText = z.string().regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/, "expected a version like 0.2.0");

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

const envSchema = z
  .object({
    /** Interface the HTTP server binds to. */
    SYNTRA_HOST: z.string().min(1).default("127.0.0.1"),
    /** TCP port of the HTTP server (API, agent WebSocket, dashboard). */
    SYNTRA_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    /** Folder for the embedded database, the generated master key and other local state. */
    SYNTRA_DATA_DIR: z.string().min(1).default("./.syntra"),
    /** PostgreSQL connection URL; unset means the embedded PGlite database in SYNTRA_DATA_DIR. */
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
      .optional(),
    /** Page cache of the embedded PGlite database (PostgreSQL's shared_buffers); more memory, fewer file reads. */
    SYNTRA_PGLITE_SHARED_BUFFERS: z
      .string()
      .regex(/^[1-9]\d*(kB|MB|GB)$/, 'a size such as "16MB" (kB, MB or GB)')
      .default(PGLITE_DEFAULTS.sharedBuffers),
    /**
     * Several replicas on one PostgreSQL (`auto`, the default with DATABASE_URL): agents, commands, live events and
     * jobs are shared through LISTEN/NOTIFY and advisory locks. `off`: this process acts alone (one replica only).
     */
    SYNTRA_CLUSTER: z.enum(["auto", "off"]).default("auto"),
    /** How often a replica looks up the others alive: a dead replica's agents are released within this time. */
    SYNTRA_CLUSTER_PRESENCE_SECONDS: z.coerce.number().positive().max(60).default(2),
    /** Base64 of 32 random bytes; encrypts secrets. Unset: a key file is generated in SYNTRA_DATA_DIR. */
    SYNTRA_MASTER_KEY: z.string().optional(),
    /** Comma-separated earlier master keys, still accepted for decryption after a rotation. */
    SYNTRA_MASTER_KEY_PREVIOUS: z.string().optional(),
    /** URL under which users and agents reach this control plane (used in install commands and OAuth redirects). */
    SYNTRA_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** pino log level. */
    SYNTRA_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    /** `json` lines, `pretty` for people, or `auto`: pretty when standard output is a terminal. */
    SYNTRA_LOG_FORMAT: z.enum(["auto", "json", "pretty"]).default("auto"),
    /** When true anyone may sign up and gets an organization of their own; otherwise sign-up needs an invitation. */
    SYNTRA_OPEN_SIGNUP: bool.default(false),
    /** Largest accepted request body, in bytes. */
    SYNTRA_BODY_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(1024 * 1024),
    /** A request whose headers and body have not all arrived after this many seconds answers 408 and is closed. */
    SYNTRA_REQUEST_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
    /** A request whose headers have not all arrived after this many seconds answers 408 (at most the request timeout). */
    SYNTRA_HEADERS_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
    /** An idle keep-alive connection is closed after this many seconds. */
    SYNTRA_KEEP_ALIVE_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(72),
    /** A connection with no traffic either way for this many seconds is closed (longer than the longest exec). */
    SYNTRA_IDLE_TIMEOUT_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3900),
    /** How long a login session lasts, in hours. */
    SYNTRA_SESSION_TTL_HOURS: z.coerce
      .number()
      .int()
      .min(1)
      .default(24 * 7),
    /** Seconds a device login (`syn login`) waits between polls; the spec's 5 unless a test wants it quicker. */
    SYNTRA_DEVICE_POLL_SECONDS: z.coerce.number().int().min(1).max(60).default(5),
    /** Failed logins allowed per email and per client address within the window. */
    SYNTRA_LOGIN_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(5),
    /** Login rate-limit window, in seconds. */
    SYNTRA_LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
    /** Honour X-Forwarded-For / X-Forwarded-Proto from a reverse proxy in front of Syntra. */
    SYNTRA_TRUST_PROXY: bool.default(false),
    /** How often agents send heartbeats, in seconds; a server is offline after 3 missed ones. */
    /** Run an agent for this machine ("local" server) when a Docker engine answers at DOCKER_SOCKET. */
    SYNTRA_LOCAL_AGENT: bool.default(true),
    /** Docker Engine API socket of this machine, for the local agent. */
    DOCKER_SOCKET: z.string().min(1).default("/var/run/docker.sock"),
    SYNTRA_AGENT_HEARTBEAT_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
    /** How long the control plane waits for an agent to answer a command (restart, scale, logs), in seconds. */
    SYNTRA_AGENT_COMMAND_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
    /** Log level the control plane hands to its agents in hello_ack. */
    SYNTRA_AGENT_LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
    /**
     * Port of the agent endpoint: agents connect there with their client certificate over TLS (mutual TLS), apart
     * from the API so a TLS-terminating reverse proxy in front of the API cannot get in the way. 0 picks a free port.
     */
    SYNTRA_AGENT_TLS_PORT: z.coerce.number().int().min(0).max(65535).default(7443),
    /** Address the agent endpoint listens on (default: SYNTRA_HOST). */
    SYNTRA_AGENT_TLS_HOST: z.string().min(1).optional(),
    /** Where agents reach the agent endpoint, e.g. wss://syntra.example.com:7443 (default: the public URL's host). */
    SYNTRA_AGENT_ENDPOINT: z.url({ protocol: /^wss$/ }).optional(),
    /** Lifetime of an agent's client certificate, in hours; agents renew when half of it is left. */
    SYNTRA_AGENT_CERT_HOURS: z.coerce.number().min(0.001).max(8760).default(168),
    /** Update connected agents to this control plane's agent version by themselves (within the compatibility table). */
    SYNTRA_AGENT_AUTO_UPDATE: bool.default(true),
    /** How long an updated agent has to connect before it goes back to the version it replaced, in seconds. */
    SYNTRA_AGENT_UPDATE_TIMEOUT_SECONDS: z.coerce.number().int().min(5).max(3600).default(120),
    /** An agent bundle (syntra-agent.cjs) to hand out instead of the one built with this control plane. */
    SYNTRA_AGENT_BUNDLE: z.string().min(1).optional(),
    /** Tests only: the release this control plane says it is (default: its own), to test upgrades between versions. */
    SYNTRA_TEST_VERSION: semverText.optional(),
    /** How long agents' heartbeats wait in memory to be written together, in ms (one statement per flush). */
    SYNTRA_AGENT_HEARTBEAT_FLUSH_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
    /** How long a disconnected server waits to be marked offline with others, in ms (back by then: not marked). */
    SYNTRA_AGENT_OFFLINE_FLUSH_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
    /** Batches of agent hellos processed at once; during a reconnect storm the rest wait their turn (sockets stay open). */
    SYNTRA_AGENT_HELLO_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(1),
    /**
     * The most agents between upgrade and admitted hello before new upgrades get 503 with Retry-After; below it the
     * backlog is what the measured admission rate admits in 5 s.
     */
    SYNTRA_AGENT_ADMISSION_BACKLOG: z.coerce.number().int().min(1).max(1_000_000).default(5000),
    /** Agents admitted per second assumed until a storm is measured: the reconnect spread is fleet / rate s. */
    SYNTRA_AGENT_RECONNECT_RATE: z.coerce.number().int().min(1).max(100_000).default(500),
    /** DNS server used to verify custom domains, "ip" or "ip:port" ("[::1]:53" for IPv6); unset: the system's. */
    SYNTRA_DNS_RESOLVER: z
      .string()
      .regex(
        /^(?:\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?|\[[0-9a-fA-F:]+\](?::\d{1,5})?|[0-9a-fA-F:]+)$/,
        "expected ip or ip:port",
      )
      .optional(),
    /** How often domains still waiting for their DNS record are checked again, in seconds. */
    SYNTRA_DNS_CHECK_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
    /**
     * A domain with a wildcard DNS record leading to your server(s), e.g. apps.example.com: each service's default
     * domain is then <service>-<project>.<this>, with HTTPS; unset: .localhost or sslip.io names.
     */
    SYNTRA_APPS_DOMAIN: z
      .string()
      .max(190)
      .transform((v) => v.toLowerCase().replace(/\.$/, ""))
      .pipe(
        z
          .string()
          .regex(
            /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
            "expected a domain name such as apps.example.com",
          ),
      )
      .optional(),
    /** Folder of the built dashboard served at `/`; default: this checkout's apps/web/dist. */
    SYNTRA_WEB_DIR: z.string().min(1).optional(),
    /** Run the build worker in this process (builds from git need a Docker engine at DOCKER_SOCKET). */
    SYNTRA_BUILDS: bool.default(true),
    /** Builds running at once per target server. */
    SYNTRA_BUILD_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
    /** Images kept per service (older ones Syntra built are pruned after each successful build). */
    SYNTRA_BUILD_KEEP_IMAGES: z.coerce.number().int().min(1).max(100).default(5),
    /** CPU cores a build may use, e.g. "1.5"; unset: no limit. */
    SYNTRA_BUILD_CPUS: z.coerce.number().positive().max(512).optional(),
    /** Memory a build may use, e.g. "2g"; unset: no limit. */
    SYNTRA_BUILD_MEMORY: z
      .string()
      .regex(/^[1-9]\d*[kmg]$/i, 'a size such as "512m" or "2g"')
      .optional(),
    /** OCI registry (host[:port]) built images are pushed to; unset: images stay on this machine (single server). */
    SYNTRA_REGISTRY: z
      .string()
      .regex(/^[A-Za-z0-9.-]+(?::\d{1,5})?$/, "expected host or host:port")
      .optional(),
    /** basic: the registry's own credentials below are used everywhere; token: this control plane is its token server. */
    SYNTRA_REGISTRY_AUTH: z.enum(["basic", "token"]).default("basic"),
    /** Static credentials of the registry (basic mode). */
    SYNTRA_REGISTRY_USERNAME: z.string().min(1).optional(),
    SYNTRA_REGISTRY_PASSWORD: z.string().min(1).optional(),
    /** Token mode: the registry's `auth.token.service` (the tokens' audience); default SYNTRA_REGISTRY. */
    SYNTRA_REGISTRY_SERVICE: z.string().min(1).max(255).optional(),
    /** Token mode: how long the pull credential in each deploy command works, in seconds. */
    SYNTRA_REGISTRY_PULL_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
    /** Base images of generated Dockerfiles (stack detection). */
    SYNTRA_BUILD_IMAGE_NODE: z.string().min(1).optional(),
    SYNTRA_BUILD_IMAGE_PYTHON: z.string().min(1).optional(),
    SYNTRA_BUILD_IMAGE_GO: z.string().min(1).optional(),
    SYNTRA_BUILD_IMAGE_STATIC: z.string().min(1).optional(),
    /** GitHub OAuth app client id; with the secret, enables "Sign in with GitHub". */
    GITHUB_CLIENT_ID: z.string().min(1).optional(),
    /** GitHub OAuth app client secret. */
    GITHUB_CLIENT_SECRET: z.string().min(1).optional(),
    /** Base URL of GitHub's web endpoints (GitHub Enterprise, or a local stand-in in tests). */
    GITHUB_OAUTH_URL: z.url().default("https://github.com"),
    /** Base URL of GitHub's REST API. */
    GITHUB_API_URL: z.url().default("https://api.github.com"),
    /** Mail server for password resets and invitations; STARTTLS is used when the server offers it. Unset: no mail. */
    SYNTRA_SMTP_URL: z
      .url({ protocol: /^smtps?$/, error: "expected smtp://user:password@host:587 or smtps://user:password@host:465" })
      .optional(),
    /** Sender of Syntra's mail; default `Syntra <syntra@HOST>` with the host of SYNTRA_PUBLIC_URL. */
    SYNTRA_MAIL_FROM: z
      .string()
      .max(320)
      .regex(
        /^(?:[^<>\r\n]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/,
        'expected "Name <address@host>" or an address',
      )
      .optional(),
    /** ClickHouse server for telemetry, `http(s)://user:password@host:8123/database`; unset: chDB in SYNTRA_DATA_DIR. */
    CLICKHOUSE_URL: z
      .url({ protocol: /^https?$/, error: "expected http(s)://user:password@host:8123/database" })
      .optional(),
    /** Days of telemetry kept, for every signal without a setting of its own below. */
    SYNTRA_TELEMETRY_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
    /** Days of spans kept (default SYNTRA_TELEMETRY_RETENTION_DAYS). */
    SYNTRA_TELEMETRY_RETENTION_TRACES_DAYS: z.coerce.number().int().min(1).max(3650).optional(),
    /** Days of log records kept (default SYNTRA_TELEMETRY_RETENTION_DAYS). */
    SYNTRA_TELEMETRY_RETENTION_LOGS_DAYS: z.coerce.number().int().min(1).max(3650).optional(),
    /** Days of metric samples and rollups kept (default SYNTRA_TELEMETRY_RETENTION_DAYS). */
    SYNTRA_TELEMETRY_RETENTION_METRICS_DAYS: z.coerce.number().int().min(1).max(3650).optional(),
    /** How long a service's previous ingest key keeps working after a rotation, in hours (0: not at all). */
    SYNTRA_INGEST_KEY_GRACE_HOURS: z.coerce.number().min(0).max(8760).default(24),
    /** Direct OTLP/HTTP (/v1/*): largest request body, compressed or decompressed (larger: 413). */
    SYNTRA_OTLP_MAX_BODY_MB: z.coerce.number().min(1).max(512).default(20),
    /** Direct OTLP/HTTP: spans, log records and data points per second per ingest key (burst: 10 s of it); 0: no limit. */
    SYNTRA_OTLP_RATE_PER_KEY: z.coerce.number().int().min(0).default(20_000),
    /** Direct OTLP/HTTP: request bytes being processed at once; beyond it requests get 503 with Retry-After. */
    SYNTRA_OTLP_MAX_INFLIGHT_MB: z.coerce.number().min(1).max(4096).default(64),
    /** Error events, transactions, spans and log records per second one key may send to the error endpoints (Sentry, /v1/errors); 0: no limit. */
    SYNTRA_ERROR_INGEST_RATE: z.coerce.number().int().min(0).max(10_000_000).default(1000),
    /** Error requests of a service arriving within this many ms share one transaction (group commit); 0: none. */
    SYNTRA_ERROR_INGEST_WINDOW_MS: z.coerce.number().int().min(0).max(1000).default(10),
  })
  .extend(aiEnvSchema.shape);

/** Settings of the control plane, parsed once from the environment at start-up. */
export interface Config {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  /** The embedded database's settings (unused with databaseUrl). */
  pglite: PgliteSettings;
  /** Replicas sharing PostgreSQL (cluster/): on unless SYNTRA_CLUSTER=off; only with DATABASE_URL. */
  cluster: { enabled: boolean; presenceMs: number };
  masterKey: string | undefined;
  previousMasterKeys: string[];
  publicUrl: string;
  logLevel: z.infer<typeof envSchema>["SYNTRA_LOG_LEVEL"];
  logFormat: z.infer<typeof envSchema>["SYNTRA_LOG_FORMAT"];
  openSignup: boolean;
  bodyLimitBytes: number;
  /** Timeouts of the HTTP server, in milliseconds. */
  http: { requestTimeoutMs: number; headersTimeoutMs: number; keepAliveTimeoutMs: number; idleTimeoutMs: number };
  sessionTtlHours: number;
  /** Seconds between a device login's polls. */
  devicePollSeconds: number;
  loginMaxAttempts: number;
  loginWindowSeconds: number;
  trustProxy: boolean;
  /** This control plane's release (CONTROL_PLANE_VERSION unless a test says otherwise). */
  version: string;
  agents: {
    heartbeatSeconds: number;
    commandTimeoutSeconds: number;
    logLevel: "debug" | "info" | "warn" | "error";
    /** Heartbeats are written in batches this often (ms). */
    heartbeatFlushMs: number;
    /** Disconnected servers are marked offline in batches this often (ms). */
    offlineFlushMs: number;
    /** Batches of hellos processed at once. */
    helloConcurrency: number;
    /** Agents admitted per second assumed until a storm is measured (the reconnect spread's divisor). */
    reconnectRatePerSecond: number;
    /** The most agents between upgrade and admitted hello before new upgrades get 503 with Retry-After. */
    admissionBacklogMax: number;
    /** The mutual-TLS agent endpoint; `publicUrl` unset: wss://<public host>:<the port it listens on>. */
    endpoint: { host: string; port: number; publicUrl: string | undefined };
    certificateLifetimeMs: number;
    autoUpdate: boolean;
    updateTimeoutSeconds: number;
    /** A bundle file to offer instead of the built-in one. */
    bundleFile: string | undefined;
  };
  github: { clientId: string; clientSecret: string; oauthUrl: string; apiUrl: string } | undefined;
  localAgent: { enabled: boolean; dockerSocket: string };
  /** Custom domain verification. */
  domains: { dnsResolver: string | undefined; checkSeconds: number; appsDomain: string | undefined };
  /** The build worker: git -> image -> registry. */
  builds: {
    enabled: boolean;
    concurrencyPerServer: number;
    keepImages: number;
    cpus: number | undefined;
    memoryBytes: number | undefined;
    registry: RegistryConfig | undefined;
    baseImages: { node?: string; python?: string; go?: string; static?: string };
    workDir: string;
  };
  /** Folder of the built dashboard (index.html and assets/). */
  webDir: string;
  /** Outgoing mail: the SMTP server (undefined: Syntra sends no mail) and the sender address. */
  mail: { smtp: SmtpSettings | undefined; from: string };
  /** The telemetry store and ingest identity. */
  telemetry: TelemetryConfig;
  /** Error ingest: items per second per key (bursts of ten seconds' worth pass); 0 turns the limit off. */
  errorIngestRate: number;
  /** Error ingest: how long a request waits for others of its service to share its transaction, in ms. */
  errorIngestWindowMs: number;
  /** The AI engine: on or off, its provider, timeouts. */
  ai: AiConfig;
}

/** Where telemetry is stored, for how long, and how ingest keys rotate. */
export interface TelemetryConfig {
  /** A ClickHouse server; undefined: chDB in `<dataDir>/chdb`. */
  clickhouseUrl: string | undefined;
  retentionDays: { traces: number; logs: number; metrics: number };
  /** Grace period of a rotated-out ingest key, in milliseconds. */
  ingestKeyGraceMs: number;
  /** Direct OTLP/HTTP limits. */
  otlp: { maxBodyBytes: number; itemsPerSecondPerKey: number; maxInFlightBytes: number };
}

/** How to reach the mail server, from SYNTRA_SMTP_URL. */
export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (smtps://); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  user: string | undefined;
  password: string | undefined;
}

/** Syntra's registry: where built images are pushed, and how pushes and pulls authenticate. */
export interface RegistryConfig {
  host: string;
  auth:
    | { mode: "basic"; username: string | undefined; password: string | undefined }
    | {
        /** The control plane issues the registry's bearer tokens (GET /api/v1/registry/token). */
        mode: "token";
        /** The registry's `service`, the tokens' audience. */
        service: string;
        /** Lifetime of the pull credential minted into each deploy command. */
        pullTtlSeconds: number;
      };
}

/** Thrown when the environment holds a bad value; the message names every offending variable. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Parses the environment into a Config, or throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset", as in most shells' `VAR= cmd`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  if (Boolean(e.GITHUB_CLIENT_ID) !== Boolean(e.GITHUB_CLIENT_SECRET)) {
    throw new ConfigError("Invalid configuration:\n  GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET must be set together");
  }
  if (Boolean(e.SYNTRA_REGISTRY_USERNAME) !== Boolean(e.SYNTRA_REGISTRY_PASSWORD)) {
    throw new ConfigError(
      "Invalid configuration:\n  SYNTRA_REGISTRY_USERNAME and SYNTRA_REGISTRY_PASSWORD must be set together",
    );
  }
  if (e.SYNTRA_REGISTRY_AUTH === "token" && !e.SYNTRA_REGISTRY) {
    throw new ConfigError("Invalid configuration:\n  SYNTRA_REGISTRY_AUTH=token needs SYNTRA_REGISTRY");
  }
  if (e.SYNTRA_REGISTRY_AUTH === "token" && e.SYNTRA_REGISTRY_USERNAME) {
    throw new ConfigError(
      "Invalid configuration:\n  SYNTRA_REGISTRY_USERNAME/SYNTRA_REGISTRY_PASSWORD are for SYNTRA_REGISTRY_AUTH=basic; with token the control plane issues the registry's credentials itself",
    );
  }
  if (e.SYNTRA_HEADERS_TIMEOUT_SECONDS > e.SYNTRA_REQUEST_TIMEOUT_SECONDS) {
    throw new ConfigError(
      "Invalid configuration:\n  SYNTRA_HEADERS_TIMEOUT_SECONDS cannot be longer than SYNTRA_REQUEST_TIMEOUT_SECONDS",
    );
  }
  const ai = aiConfigFrom(e);
  if (typeof ai === "string") throw new ConfigError(`Invalid configuration:\n  ${ai}`);
  const publicHost = e.SYNTRA_HOST === "0.0.0.0" || e.SYNTRA_HOST === "::" ? "127.0.0.1" : e.SYNTRA_HOST;
  return {
    host: e.SYNTRA_HOST,
    port: e.SYNTRA_PORT,
    dataDir: path.resolve(e.SYNTRA_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    pglite: { sharedBuffers: e.SYNTRA_PGLITE_SHARED_BUFFERS },
    cluster: { enabled: e.SYNTRA_CLUSTER === "auto", presenceMs: e.SYNTRA_CLUSTER_PRESENCE_SECONDS * 1000 },
    masterKey: e.SYNTRA_MASTER_KEY,
    previousMasterKeys: (e.SYNTRA_MASTER_KEY_PREVIOUS ?? "")
      .split(",")
      .map((k) => k.trim())
      .filter(Boolean),
    publicUrl: (e.SYNTRA_PUBLIC_URL ?? `http://${publicHost}:${e.SYNTRA_PORT}`).replace(/\/+$/, ""),
    logLevel: e.SYNTRA_LOG_LEVEL,
    logFormat: e.SYNTRA_LOG_FORMAT,
    openSignup: e.SYNTRA_OPEN_SIGNUP,
    bodyLimitBytes: e.SYNTRA_BODY_LIMIT_BYTES,
    http: {
      requestTimeoutMs: e.SYNTRA_REQUEST_TIMEOUT_SECONDS * 1000,
      headersTimeoutMs: e.SYNTRA_HEADERS_TIMEOUT_SECONDS * 1000,
      keepAliveTimeoutMs: e.SYNTRA_KEEP_ALIVE_TIMEOUT_SECONDS * 1000,
      idleTimeoutMs: e.SYNTRA_IDLE_TIMEOUT_SECONDS * 1000,
    },
    sessionTtlHours: e.SYNTRA_SESSION_TTL_HOURS,
    devicePollSeconds: e.SYNTRA_DEVICE_POLL_SECONDS,
    loginMaxAttempts: e.SYNTRA_LOGIN_MAX_ATTEMPTS,
    loginWindowSeconds: e.SYNTRA_LOGIN_WINDOW_SECONDS,
    trustProxy: e.SYNTRA_TRUST_PROXY,
    version: e.SYNTRA_TEST_VERSION ?? CONTROL_PLANE_VERSION,
    agents: {
      heartbeatSeconds: e.SYNTRA_AGENT_HEARTBEAT_SECONDS,
      commandTimeoutSeconds: e.SYNTRA_AGENT_COMMAND_TIMEOUT_SECONDS,
      heartbeatFlushMs: e.SYNTRA_AGENT_HEARTBEAT_FLUSH_MS,
      offlineFlushMs: e.SYNTRA_AGENT_OFFLINE_FLUSH_MS,
      helloConcurrency: e.SYNTRA_AGENT_HELLO_CONCURRENCY,
      reconnectRatePerSecond: e.SYNTRA_AGENT_RECONNECT_RATE,
      admissionBacklogMax: e.SYNTRA_AGENT_ADMISSION_BACKLOG,
      logLevel: e.SYNTRA_AGENT_LOG_LEVEL,
      endpoint: {
        host: e.SYNTRA_AGENT_TLS_HOST ?? e.SYNTRA_HOST,
        port: e.SYNTRA_AGENT_TLS_PORT,
        publicUrl: e.SYNTRA_AGENT_ENDPOINT?.replace(/\/+$/, ""),
      },
      certificateLifetimeMs: Math.round(e.SYNTRA_AGENT_CERT_HOURS * 3_600_000),
      autoUpdate: e.SYNTRA_AGENT_AUTO_UPDATE,
      updateTimeoutSeconds: e.SYNTRA_AGENT_UPDATE_TIMEOUT_SECONDS,
      bundleFile: e.SYNTRA_AGENT_BUNDLE ? path.resolve(e.SYNTRA_AGENT_BUNDLE) : undefined,
    },
    localAgent: { enabled: e.SYNTRA_LOCAL_AGENT, dockerSocket: e.DOCKER_SOCKET },
    domains: {
      dnsResolver: e.SYNTRA_DNS_RESOLVER,
      checkSeconds: e.SYNTRA_DNS_CHECK_SECONDS,
      appsDomain: e.SYNTRA_APPS_DOMAIN,
    },
    builds: {
      enabled: e.SYNTRA_BUILDS,
      concurrencyPerServer: e.SYNTRA_BUILD_CONCURRENCY,
      keepImages: e.SYNTRA_BUILD_KEEP_IMAGES,
      cpus: e.SYNTRA_BUILD_CPUS,
      memoryBytes: e.SYNTRA_BUILD_MEMORY ? parseSize(e.SYNTRA_BUILD_MEMORY) : undefined,
      registry: e.SYNTRA_REGISTRY
        ? {
            host: e.SYNTRA_REGISTRY,
            auth:
              e.SYNTRA_REGISTRY_AUTH === "token"
                ? {
                    mode: "token",
                    service: e.SYNTRA_REGISTRY_SERVICE ?? e.SYNTRA_REGISTRY,
                    pullTtlSeconds: e.SYNTRA_REGISTRY_PULL_TTL_SECONDS,
                  }
                : { mode: "basic", username: e.SYNTRA_REGISTRY_USERNAME, password: e.SYNTRA_REGISTRY_PASSWORD },
          }
        : undefined,
      baseImages: {
        ...(e.SYNTRA_BUILD_IMAGE_NODE && { node: e.SYNTRA_BUILD_IMAGE_NODE }),
        ...(e.SYNTRA_BUILD_IMAGE_PYTHON && { python: e.SYNTRA_BUILD_IMAGE_PYTHON }),
        ...(e.SYNTRA_BUILD_IMAGE_GO && { go: e.SYNTRA_BUILD_IMAGE_GO }),
        ...(e.SYNTRA_BUILD_IMAGE_STATIC && { static: e.SYNTRA_BUILD_IMAGE_STATIC }),
      },
      workDir: path.join(path.resolve(e.SYNTRA_DATA_DIR), "builds"),
    },
    webDir: path.resolve(e.SYNTRA_WEB_DIR ?? fileURLToPath(new URL("../../web/dist", import.meta.url))),
    github:
      e.GITHUB_CLIENT_ID && e.GITHUB_CLIENT_SECRET
        ? {
            clientId: e.GITHUB_CLIENT_ID,
            clientSecret: e.GITHUB_CLIENT_SECRET,
            oauthUrl: e.GITHUB_OAUTH_URL.replace(/\/+$/, ""),
            apiUrl: e.GITHUB_API_URL.replace(/\/+$/, ""),
          }
        : undefined,
    telemetry: {
      clickhouseUrl: e.CLICKHOUSE_URL,
      retentionDays: {
        traces: e.SYNTRA_TELEMETRY_RETENTION_TRACES_DAYS ?? e.SYNTRA_TELEMETRY_RETENTION_DAYS,
        logs: e.SYNTRA_TELEMETRY_RETENTION_LOGS_DAYS ?? e.SYNTRA_TELEMETRY_RETENTION_DAYS,
        metrics: e.SYNTRA_TELEMETRY_RETENTION_METRICS_DAYS ?? e.SYNTRA_TELEMETRY_RETENTION_DAYS,
      },
      ingestKeyGraceMs: Math.round(e.SYNTRA_INGEST_KEY_GRACE_HOURS * 3_600_000),
      otlp: {
        maxBodyBytes: Math.round(e.SYNTRA_OTLP_MAX_BODY_MB * 1024 * 1024),
        itemsPerSecondPerKey: e.SYNTRA_OTLP_RATE_PER_KEY,
        maxInFlightBytes: Math.round(e.SYNTRA_OTLP_MAX_INFLIGHT_MB * 1024 * 1024),
      },
    },
    errorIngestRate: e.SYNTRA_ERROR_INGEST_RATE,
    errorIngestWindowMs: e.SYNTRA_ERROR_INGEST_WINDOW_MS,
    ai,
    mail: {
      smtp: e.SYNTRA_SMTP_URL ? smtpSettings(e.SYNTRA_SMTP_URL) : undefined,
      from:
        e.SYNTRA_MAIL_FROM ??
        `Syntra <syntra@${e.SYNTRA_PUBLIC_URL ? new URL(e.SYNTRA_PUBLIC_URL).hostname : publicHost}>`,
    },
  };
}

/** SYNTRA_SMTP_URL -> settings; the default port follows the scheme. Errors never repeat the URL (it holds a password). */
function smtpSettings(raw: string): SmtpSettings {
  const url = new URL(raw);
  const secure = url.protocol === "smtps:";
  const decode = (part: string) => {
    try {
      return part ? decodeURIComponent(part) : undefined;
    } catch {
      throw new ConfigError(
        "Invalid configuration:\n  SYNTRA_SMTP_URL: user or password is not valid percent-encoding",
      );
    }
  };
  if (!url.hostname) throw new ConfigError("Invalid configuration:\n  SYNTRA_SMTP_URL: no host");
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    user: decode(url.username),
    password: decode(url.password),
  };
}

/** "512m" -> bytes. */
function parseSize(size: string): number {
  const unit = size.slice(-1).toLowerCase();
  const factor = unit === "g" ? 1024 ** 3 : unit === "m" ? 1024 ** 2 : 1024;
  return Number.parseInt(size.slice(0, -1), 10) * factor;
}
