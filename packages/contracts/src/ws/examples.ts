import type { z } from "zod";
import { exampleTelemetryData } from "../telemetry/examples";
import type { deployPayload as deployPayloadSchema } from "./deploy";
import type { MessageType } from "./envelope";
import type { messageSchemas } from "./messages";

const ids = {
  agent: "agt_V1StGXR8_Z5jdHi6B",
  server: "srv_Uakgb_J5m9g-0JDMb",
  org: "2c9d6a1e-5b7f-4c3a-9e8d-1f2a3b4c5d6e",
  service: "0b6f3c52-8d1e-4f7a-a2b3-c4d5e6f7a8b9",
  deployment: "7d9e1f20-4b3c-4a5d-8e6f-0a1b2c3d4e5f",
  request: "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f",
};

const deployPayload = {
  request_id: ids.request,
  deployment_id: ids.deployment,
  service_id: ids.service,
  service_name: "api",
  project_name: "shop",
  image: {
    registry: "registry.syntra.dev",
    repository: "acme/shop/api",
    tag: "3f2a9c1",
    digest: "sha256:9b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f4a6b8c",
  },
  registry_auth: { username: "syntra", password: "short-lived-token" },
  config: {
    port: 3000,
    replicas: 2,
    cpu_limit: "0.5",
    memory_limit: "512m",
    env_vars: { NODE_ENV: "production", DATABASE_URL: "postgres://shop@db:5432/shop" },
    labels: { "dev.syntra.service": "api" },
    volumes: [{ name: "uploads", container_path: "/app/uploads", read_only: false }],
    health_check: {
      type: "http",
      path: "/healthz",
      port: 3000,
      interval_seconds: 30,
      timeout_seconds: 5,
      retries: 3,
      start_period_seconds: 10,
    },
  },
  networking: { domains: ["shop.example.com"], internal_hostname: "api.shop.internal", expose_port: true },
  strategy: "rolling",
  rollback_on_failure: true,
  timeout_seconds: 600,
} satisfies z.input<typeof deployPayloadSchema>;

function envelope<T extends MessageType>(type: T, id: string) {
  return { id, type, timestamp: "2025-01-31T10:15:30.000Z" };
}

/**
 * One realistic message of each type, built from the spec's field lists and example values.
 * Contract tests (here and in the apps) use them; typed against each schema's input.
 */
export const exampleMessages = {
  agent_hello: {
    ...envelope("agent_hello", "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"),
    payload: {
      agent_id: ids.agent,
      server_id: ids.server,
      version: "0.1.0",
      protocol_version: "1.0",
      min_supported: "1.0",
      runtime: "docker",
      runtime_version: "27.3.1",
      os: { name: "ubuntu", version: "22.04", kernel: "5.15.0-generic" },
      arch: "x86_64",
      resources: { cpu_cores: 4, cpu_model: "AMD EPYC 7763", memory_total_mb: 8192, disk_total_gb: 160 },
      network: { hostname: "web-1", public_ip: "203.0.113.10", private_ip: "10.0.0.5" },
      capabilities: ["docker", "traefik", "otlp"],
    },
  },
  heartbeat: {
    ...envelope("heartbeat", "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"),
    payload: {
      agent_id: ids.agent,
      timestamp: "2025-01-31T10:15:30.000Z",
      uptime_seconds: 86400,
      resources: {
        cpu_usage_percent: 23.5,
        memory_used_mb: 3120,
        memory_available_mb: 5072,
        disk_used_gb: 41.2,
        disk_available_gb: 118.8,
        network_rx_bytes: 1048576,
        network_tx_bytes: 524288,
      },
      containers: { running: 2, stopped: 1, total: 3 },
      services: [
        {
          service_id: ids.service,
          container_id: "4f1a2b3c4d5e",
          status: "running",
          health: "healthy",
          cpu_percent: 12.5,
          memory_mb: 256,
          restart_count: 0,
          started_at: "2025-01-30T10:15:30.000Z",
        },
      ],
    },
  },
  command_response: {
    ...envelope("command_response", "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"),
    payload: {
      request_id: ids.request,
      success: true,
      data: { exit_code: 0, stdout: "ok\n", stderr: "" },
    },
  },
  deploy_status: {
    ...envelope("deploy_status", "3c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f"),
    payload: {
      deployment_id: ids.deployment,
      service_id: ids.service,
      status: "pulling",
      phase: "pull_image",
      progress_percent: 20,
      message: "Pulling registry.syntra.dev/acme/shop/api:3f2a9c1",
      started_at: "2025-01-31T10:15:00.000Z",
      logs: ["3f2a9c1: Pulling from acme/shop/api"],
    },
  },
  telemetry_batch: {
    ...envelope("telemetry_batch", "4d5e6f7a-8b9c-4d0e-9f2a-3b4c5d6e7f8a"),
    payload: { batch_id: "b-000001", agent_id: ids.agent, compression: "none", data: exampleTelemetryData },
  },
  alert: {
    ...envelope("alert", "5e6f7a8b-9c0d-4e1f-8a3b-4c5d6e7f8a9b"),
    payload: {
      alert_id: "a-000042",
      service_id: ids.service,
      server_id: ids.server,
      type: "container_crash",
      severity: "critical",
      title: "api crashed",
      message: "Container 4f1a2b3c4d5e exited with code 137 (OOM killed)",
      timestamp: "2025-01-31T10:15:30.000Z",
      metadata: { exit_code: 137, oom_killed: true },
    },
  },
  log_stream: {
    ...envelope("log_stream", "6f7a8b9c-0d1e-4f2a-9b4c-5d6e7f8a9b0c"),
    payload: {
      request_id: ids.request,
      service_id: ids.service,
      container_id: "4f1a2b3c4d5e",
      lines: [
        { timestamp: "2025-01-31T10:15:29.000Z", stream: "stdout", message: "listening on :3000" },
        { timestamp: "2025-01-31T10:15:30.000Z", stream: "stderr", message: "warning: slow query" },
      ],
    },
  },
  pong: {
    ...envelope("pong", "7a8b9c0d-1e2f-4a3b-8c5d-6e7f8a9b0c1d"),
    payload: { nonce: "n-17", sent_at: "2025-01-31T10:15:30.050Z" },
  },
  hello_ack: {
    ...envelope("hello_ack", "8b9c0d1e-2f3a-4b4c-9d6e-7f8a9b0c1d2e"),
    payload: {
      server_id: ids.server,
      accepted: true,
      protocol_version: "1.0",
      server_name: "web-1",
      org_id: ids.org,
      config: {
        heartbeat_interval_seconds: 30,
        telemetry_batch_interval_seconds: 5,
        telemetry_buffer_max_mb: 50,
        log_level: "info",
      },
      pending_deployments: [deployPayload],
    },
  },
  deploy: { ...envelope("deploy", ids.request), payload: deployPayload },
  stop: {
    ...envelope("stop", "9c0d1e2f-3a4b-4c5d-8e7f-8a9b0c1d2e3f"),
    payload: {
      request_id: "9c0d1e2f-3a4b-4c5d-8e7f-8a9b0c1d2e3f",
      service_id: ids.service,
      timeout_seconds: 30,
      remove_container: false,
    },
  },
  scale: {
    ...envelope("scale", "ad1e2f3a-4b5c-4d6e-9f8a-9b0c1d2e3f4a"),
    payload: {
      request_id: "ad1e2f3a-4b5c-4d6e-9f8a-9b0c1d2e3f4a",
      service_id: ids.service,
      replicas: 3,
      strategy: "rolling",
    },
  },
  restart: {
    ...envelope("restart", "be2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b"),
    payload: { request_id: "be2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b", service_id: ids.service, timeout_seconds: 10 },
  },
  exec: {
    ...envelope("exec", "cf3a4b5c-6d7e-4f8a-9b0c-1d2e3f4a5b6c"),
    payload: {
      request_id: "cf3a4b5c-6d7e-4f8a-9b0c-1d2e3f4a5b6c",
      service_id: ids.service,
      command: ["npm", "run", "migrate"],
      working_dir: "/app",
      env: { LOG_LEVEL: "debug" },
      timeout_seconds: 120,
      interactive: false,
    },
  },
  logs_subscribe: {
    ...envelope("logs_subscribe", "d04b5c6d-7e8f-4a9b-8c1d-2e3f4a5b6c7d"),
    payload: {
      request_id: ids.request,
      service_id: ids.service,
      follow: true,
      tail: 100,
      since: "2025-01-31T09:00:00.000Z",
    },
  },
  logs_unsubscribe: {
    ...envelope("logs_unsubscribe", "e15c6d7e-8f9a-4b0c-9d2e-3f4a5b6c7d8e"),
    payload: { request_id: ids.request, service_id: ids.service },
  },
  update_agent: {
    ...envelope("update_agent", "f26d7e8f-9a0b-4c1d-8e3f-4a5b6c7d8e9f"),
    payload: {
      request_id: "f26d7e8f-9a0b-4c1d-8e3f-4a5b6c7d8e9f",
      version: "0.2.0",
      download_url: "https://syntra.example.com:7443/agent/v1/bundles/0.2.0",
      sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      signature: `${"A".repeat(86)}==`,
      confirm_timeout_seconds: 120,
    },
  },
  configure_health_check: {
    ...envelope("configure_health_check", "037e8f9a-0b1c-4d2e-9f4a-5b6c7d8e9f0a"),
    payload: {
      request_id: "037e8f9a-0b1c-4d2e-9f4a-5b6c7d8e9f0a",
      service_id: ids.service,
      health_check: {
        type: "tcp",
        port: 5432,
        interval_seconds: 15,
        timeout_seconds: 3,
        retries: 5,
        start_period_seconds: 0,
      },
    },
  },
  ping: {
    ...envelope("ping", "148f9a0b-1c2d-4e3f-8a5b-6c7d8e9f0a1b"),
    payload: { nonce: "n-17", sent_at: "2025-01-31T10:15:30.000Z" },
  },
  error: {
    ...envelope("error", "259fab1c-2d3e-4f40-9b6c-7d8e9f0a1b2c"),
    payload: {
      code: "INVALID_MESSAGE",
      message: "invalid heartbeat message: payload.resources.cpu_usage_percent: Too big: expected number to be <=100",
      message_id: "4b1c2d3e-4f50-4a6b-9c7d-8e9f0a1b2c3d",
      issues: [{ path: "payload.resources.cpu_usage_percent", message: "Too big: expected number to be <=100" }],
    },
  },
  certificate_status: {
    ...envelope("certificate_status", "36a0bc2d-3e4f-4a51-8c7d-8e9f0a1b2c3d"),
    payload: {
      server_id: ids.server,
      certificates: [
        {
          domain: "app.example.com",
          source: "acme",
          status: "active",
          issuer: "CN=Pebble Intermediate CA 645fc5",
          not_before: "2025-01-31T09:15:30.000Z",
          not_after: "2025-05-01T09:15:29.000Z",
          checked_at: "2025-01-31T10:15:30.000Z",
        },
        {
          domain: "www.example.com",
          source: "acme",
          status: "failed",
          error: { code: "dns_not_pointing_here", message: "DNS problem: NXDOMAIN looking up A for www.example.com" },
          checked_at: "2025-01-31T10:15:30.000Z",
        },
      ],
    },
  },
  monitor_results: {
    ...envelope("monitor_results", "8a4f1c2d-3e5b-4a6c-9d7e-1f2a3b4c5d60"),
    payload: {
      results: [
        {
          monitor_id: "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a80",
          checked_at: "2025-01-31T10:15:30.000Z",
          is_up: false,
          latency_ms: 10001,
          error: "no answer within 10 s",
        },
      ],
      dropped: 0,
    },
  },
  configure_monitors: {
    ...envelope("configure_monitors", "9b5a2d3e-4f6c-4b7d-8e9f-2a3b4c5d6e71"),
    payload: {
      request_id: "9b5a2d3e-4f6c-4b7d-8e9f-2a3b4c5d6e71",
      monitors: [
        {
          id: "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a80",
          interval_seconds: 60,
          timeout_seconds: 10,
          check: { type: "http", url: "https://shop.example.com/healthz", keyword: "ok" },
        },
      ],
    },
  },
  configure_routes: {
    ...envelope("configure_routes", "47b1cd3e-4f50-4b62-9d8e-9f0a1b2c3d4e"),
    payload: {
      request_id: "47b1cd3e-4f50-4b62-9d8e-9f0a1b2c3d4e",
      service_id: ids.service,
      domains: ["app.example.com", "*.example.com"],
      certificates: [
        {
          domains: ["*.example.com"],
          cert_pem: "-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n",
          key_pem: "-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----\n",
        },
      ],
    },
  },
  telemetry_ack: {
    ...envelope("telemetry_ack", "58c2de4f-5061-4c73-8e9f-a0b1c2d3e4f5"),
    payload: { batch_id: "b-000001", status: "stored" },
  },
  ingest_keys: {
    ...envelope("ingest_keys", "69d3ef50-6172-4d84-9fa0-b1c2d3e4f506"),
    payload: {
      keys: [
        { key: "syn_ing_0123456789abcdef0123456789abcdef", service_id: ids.service, expires_at: null },
        {
          key: "syn_ing_fedcba9876543210fedcba9876543210",
          service_id: ids.service,
          expires_at: "2025-02-01T10:15:30.000Z",
        },
      ],
    },
  },
  exec_session: {
    ...envelope("exec_session", "58c2de4f-5061-4c73-8e9f-0a1b2c3d4e5f"),
    payload: {
      request_id: "58c2de4f-5061-4c73-8e9f-0a1b2c3d4e5f",
      service_id: ids.service,
      command: ["sh"],
      tty: true,
      stdin: true,
      working_dir: "/app",
      size: { cols: 120, rows: 40 },
    },
  },
  exec_input: {
    ...envelope("exec_input", "69d3ef50-6172-4d84-9fa0-1b2c3d4e5f60"),
    payload: { session_id: "58c2de4f-5061-4c73-8e9f-0a1b2c3d4e5f", input: { type: "stdin", data: "bHMK" } },
  },
  exec_output: {
    ...envelope("exec_output", "7ae4f061-7283-4e95-a0b1-2c3d4e5f6071"),
    payload: {
      session_id: "58c2de4f-5061-4c73-8e9f-0a1b2c3d4e5f",
      output: { type: "output", stream: "stdout", data: "YXBwLmpzCg==" },
    },
  },
  routes_report: {
    ...envelope("routes_report", "58c2de4f-5061-4c73-8e9f-0a1b2c3d4e5f"),
    payload: {
      server_id: ids.server,
      services: [
        {
          service_id: ids.service,
          domains: ["app.example.com", "*.example.com"],
          custom_certificates: [
            { domain: "*.example.com", sha256: "9f2c5d0e4b7a1c3e5f7092b4d6e8f0a1c3e5f7092b4d6e8f0a1c3e5f7092b4d6" },
          ],
        },
      ],
    },
  },
} satisfies { [T in MessageType]: z.input<(typeof messageSchemas)[T]> };
