import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

function isPemCertificateFile(file: string): boolean {
  try {
    return readFileSync(file, "utf8").includes("-----BEGIN CERTIFICATE-----");
  } catch {
    return false;
  }
}

/**
 * The environment's schema, built when the agent reads its configuration (once, at start) rather than when the
 * module loads: what is left of it after the read is garbage the first collection frees (131 zod schemas, ~0.16 MB
 * of the idle agent's heap), not part of the heap for as long as the agent runs.
 */
function envSchema() {
  const bool = z
    .enum(["true", "false", "1", "0", "yes", "no"])
    .transform((v) => v === "true" || v === "1" || v === "yes");
  return z.object({
    /** URL of the control plane, e.g. https://syntra.example.com. */
    SYNTRA_URL: z.url({ protocol: /^https?$/ }),
    /**
     * This server's one-time install token (syn_agt_…), from "Add server": traded for a client certificate at the
     * first start. Not needed once the agent holds a certificate (in the state dir).
     */
    SYNTRA_TOKEN: z
      .string()
      .regex(/^syn_agt_[A-Za-z0-9]{32,64}$/, "expected the syn_agt_… token shown when the server was added")
      .optional(),
    /** The server's id in Syntra, from "Add server". */
    SYNTRA_SERVER_ID: z.uuid(),
    /** Where the agent keeps its id, its deployments' state and processed commands. */
    SYNTRA_AGENT_STATE_DIR: z.string().min(1).default("/var/lib/syntra-agent"),
    /** Docker Engine API socket. */
    DOCKER_SOCKET: z.string().min(1).default("/var/run/docker.sock"),
    /** Caddy's admin API; when nothing answers there the agent starts Caddy itself. */
    SYNTRA_CADDY_ADMIN_URL: z.url().default("http://127.0.0.1:2019"),
    /** Ports the proxy serves apps on. */
    SYNTRA_PROXY_HTTP_PORT: z.coerce.number().int().min(1).max(65535).default(80),
    SYNTRA_PROXY_HTTPS_PORT: z.coerce.number().int().min(1).max(65535).default(443),
    /** Caddy only: the address those ports are bound to (default: every interface). */
    SYNTRA_PROXY_LISTEN_HOST: z.union([z.ipv4(), z.ipv6()]).optional(),
    /** Automatic HTTPS for routed domains (off for local testing without public DNS). */
    SYNTRA_PROXY_TLS: bool.default(true),
    /**
     * The address the internet reaches this server at (default: the first public IPv4 on an interface; none
     * behind NAT). Services' default domains are <...>.<this with dashes>.sslip.io.
     */
    SYNTRA_PUBLIC_IP: z.ipv4().optional(),
    /** The edge proxy: Caddy, driven through its admin API, or Traefik, through file-provider files. */
    SYNTRA_PROXY: z.enum(["caddy", "traefik"]).default("caddy"),
    /** Traefik only: the directory its file provider watches (default <state dir>/traefik). */
    SYNTRA_TRAEFIK_DIR: z.string().min(1).optional(),
    /** Traefik only: the certificatesResolvers entry that obtains ACME certificates. */
    SYNTRA_TRAEFIK_CERT_RESOLVER: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, "expected a resolver name (letters, digits, - and _)")
      .default("syntra"),
    /** Traefik only: its ACME storage file (acme.json), read to report issued certificates. */
    SYNTRA_TRAEFIK_ACME_STORAGE: z.string().min(1).optional(),
    /** ACME directory Caddy obtains certificates from (Let's Encrypt production by default). */
    SYNTRA_ACME_DIRECTORY_URL: z
      .url({ protocol: /^https?$/ })
      .default("https://acme-v02.api.letsencrypt.org/directory"),
    /** PEM file of the root(s) that sign the ACME server's own HTTPS certificate, for a private CA. */
    SYNTRA_ACME_CA_ROOT: z
      .string()
      .min(1)
      .refine(isPemCertificateFile, "expected a readable PEM certificate file")
      .optional(),
    /** Contact address of the ACME account (expiry notices). */
    SYNTRA_ACME_EMAIL: z.email().optional(),
    /** How often certificate states are looked at; they are sent when they changed (and hourly anyway). */
    SYNTRA_CERT_CHECK_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
    /** Seconds between reconnect attempts grow from 1 up to this cap (with jitter). */
    SYNTRA_AGENT_MAX_BACKOFF_SECONDS: z.coerce.number().min(1).max(3600).default(30),
    /**
     * Addresses the OTLP receivers listen on, comma-separated; `docker-bridge` stands for the Docker bridge's gateway
     * (docker0, e.g. 172.17.0.1), which containers reach as host.docker.internal.
     */
    SYNTRA_OTLP_HOSTS: z
      .string()
      .transform((v) =>
        v
          .split(",")
          .map((h) => h.trim())
          .filter((h) => h !== ""),
      )
      .pipe(z.array(z.union([z.literal("docker-bridge"), z.ipv4(), z.ipv6(), z.literal("localhost")])).min(1))
      .default(["127.0.0.1", "docker-bridge"]),
    /** OTLP/gRPC and OTLP/HTTP ports (0 turns the receiver off). */
    SYNTRA_OTLP_GRPC_PORT: z.coerce.number().int().min(0).max(65535).default(4317),
    SYNTRA_OTLP_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(4318),
    /** Largest OTLP request accepted, once decompressed (larger: 413). */
    SYNTRA_OTLP_MAX_BODY_MB: z.coerce.number().min(1).max(512).default(20),
    /** Telemetry kept on disk while the control plane is away; beyond it the oldest goes first (counted). */
    SYNTRA_TELEMETRY_DISK_MAX_MB: z.coerce.number().min(1).max(1_000_000).default(1024),
    /** Spans per second a service may send before adaptive sampling starts (0: never sample). */
    SYNTRA_TELEMETRY_SPAN_BUDGET: z.coerce.number().int().min(0).default(5000),
    /** Collect the stdout/stderr of Syntra's containers into logs. */
    SYNTRA_CONTAINER_LOGS: bool.default(true),
    /** pino log level until the control plane sets one. */
    SYNTRA_AGENT_LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  });
}

/** Settings of the agent, parsed once from the environment at start-up. */
export interface AgentConfig {
  controlPlaneUrl: string;
  /** The install token; undefined once enrolled (see SYNTRA_TOKEN). */
  token: string | undefined;
  serverId: string;
  stateDir: string;
  dockerSocket: string;
  caddyAdminUrl: string;
  proxyHttpPort: number;
  /** The address the proxy's ports are bound to; undefined: every interface. */
  proxyListenHost?: string;
  proxyHttpsPort: number;
  proxyTls: boolean;
  /** Set by SYNTRA_PUBLIC_IP; otherwise detected. */
  publicIp?: string;
  maxBackoffMs: number;
  /** Where Caddy gets certificates: the ACME directory, an extra trusted root for it, the account email. */
  acme: { directoryUrl: string; caRootPemFile?: string; email?: string };
  certCheckSeconds: number;
  /** Which Router the agent drives; the traefik* settings apply to Traefik only. */
  proxy: "caddy" | "traefik";
  traefikDir: string;
  traefikCertResolver: string;
  traefikAcmeStorage?: string;
  logLevel: "debug" | "info" | "warn" | "error";
  /** The telemetry pipeline: OTLP receivers, buffer limits, sampling, container logs. */
  telemetry: {
    hosts: string[];
    grpcPort: number;
    httpPort: number;
    maxBodyBytes: number;
    diskMaxBytes: number;
    spanBudgetPerSecond: number;
    containerLogs: boolean;
  };
}

/** Thrown when the environment holds a bad value; the message names each variable (never the token). */
export class AgentConfigError extends Error {
  override readonly name = "AgentConfigError";
}

/** Parses the agent's environment. */
export function loadAgentConfig(env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema().safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new AgentConfigError(`Invalid agent configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  return {
    controlPlaneUrl: e.SYNTRA_URL.replace(/\/+$/, ""),
    token: e.SYNTRA_TOKEN,
    serverId: e.SYNTRA_SERVER_ID,
    stateDir: path.resolve(e.SYNTRA_AGENT_STATE_DIR),
    dockerSocket: e.DOCKER_SOCKET,
    caddyAdminUrl: e.SYNTRA_CADDY_ADMIN_URL.replace(/\/+$/, ""),
    proxyHttpPort: e.SYNTRA_PROXY_HTTP_PORT,
    ...(e.SYNTRA_PROXY_LISTEN_HOST && {
      proxyListenHost: e.SYNTRA_PROXY_LISTEN_HOST.includes(":")
        ? `[${e.SYNTRA_PROXY_LISTEN_HOST}]`
        : e.SYNTRA_PROXY_LISTEN_HOST,
    }),
    proxyHttpsPort: e.SYNTRA_PROXY_HTTPS_PORT,
    proxyTls: e.SYNTRA_PROXY_TLS,
    ...(e.SYNTRA_PUBLIC_IP && { publicIp: e.SYNTRA_PUBLIC_IP }),
    maxBackoffMs: e.SYNTRA_AGENT_MAX_BACKOFF_SECONDS * 1000,
    acme: {
      directoryUrl: e.SYNTRA_ACME_DIRECTORY_URL,
      ...(e.SYNTRA_ACME_CA_ROOT ? { caRootPemFile: path.resolve(e.SYNTRA_ACME_CA_ROOT) } : {}),
      ...(e.SYNTRA_ACME_EMAIL ? { email: e.SYNTRA_ACME_EMAIL } : {}),
    },
    certCheckSeconds: e.SYNTRA_CERT_CHECK_SECONDS,
    proxy: e.SYNTRA_PROXY,
    traefikDir: path.resolve(e.SYNTRA_TRAEFIK_DIR ?? path.join(e.SYNTRA_AGENT_STATE_DIR, "traefik")),
    traefikCertResolver: e.SYNTRA_TRAEFIK_CERT_RESOLVER,
    ...(e.SYNTRA_TRAEFIK_ACME_STORAGE ? { traefikAcmeStorage: path.resolve(e.SYNTRA_TRAEFIK_ACME_STORAGE) } : {}),
    logLevel: e.SYNTRA_AGENT_LOG_LEVEL,
    telemetry: {
      hosts: e.SYNTRA_OTLP_HOSTS,
      grpcPort: e.SYNTRA_OTLP_GRPC_PORT,
      httpPort: e.SYNTRA_OTLP_HTTP_PORT,
      maxBodyBytes: Math.round(e.SYNTRA_OTLP_MAX_BODY_MB * 1024 * 1024),
      diskMaxBytes: Math.round(e.SYNTRA_TELEMETRY_DISK_MAX_MB * 1024 * 1024),
      spanBudgetPerSecond: e.SYNTRA_TELEMETRY_SPAN_BUDGET,
      containerLogs: e.SYNTRA_CONTAINER_LOGS,
    },
  };
}
