import { z } from "zod";
import { isoTimestamp, uuid } from "../common";

const pem = (label: string) =>
  z
    .string()
    .max(16_384)
    .refine((text) => text.includes(`-----BEGIN ${label}-----`), `expected a PEM ${label.toLowerCase()}`);

/** POST /agent/enrol: an agent trades its one-time install token for a client certificate of the key in `csr`. */
export const agentEnrolmentBody = z.strictObject({
  token: z.string().regex(/^syn_agt_[A-Za-z0-9]{40}$/, "expected the syn_agt_… install token"),
  csr: pem("CERTIFICATE REQUEST"),
});

/** What an enrolled (or renewed) agent receives. */
export const agentCertificateGrant = z.object({
  server_id: uuid,
  /** The agent's client certificate, then the CA's. */
  certificate_pem: z.string(),
  not_after: isoTimestamp,
  /** The CA the agent pins: it signs the agent endpoint's certificate. */
  ca_pem: z.string(),
  /** Where the agent connects with its certificate (mutual TLS), e.g. wss://syntra.example.com:7443. */
  endpoint_url: z.string(),
  /** The Ed25519 key agent bundles are signed with (SPKI PEM): the agent pins it for self-updates. */
  bundle_signing_key_pem: z.string(),
});
export type AgentCertificateGrant = z.infer<typeof agentCertificateGrant>;

/** POST /agent/v1/certificate on the agent endpoint: a new certificate before the current one expires. */
export const certificateRenewalBody = z.strictObject({ csr: pem("CERTIFICATE REQUEST") });

/** The agent half of a server as the API shows it: enrolment, its current certificate, its self-update. */
export const serverAgent = z.object({
  /** The install token was traded for a certificate (false: waiting for the agent, or revoked). */
  enrolled: z.boolean(),
  certificate: z
    .object({
      fingerprint_sha256: z.string(),
      serial: z.string(),
      not_before: isoTimestamp,
      not_after: isoTimestamp,
      /** How the agent got it: at enrolment, or by renewing the one before (automatically, at half its lifetime). */
      issued_by: z.enum(["enrolment", "renewal"]),
      /** When it was issued: the last renewal when `issued_by` is "renewal". */
      issued_at: isoTimestamp,
    })
    .nullable(),
  /** The agent version this control plane hands out. */
  latest_version: z.string(),
  update: z
    .object({
      version: z.string(),
      state: z.enum(["pending", "succeeded", "failed"]),
      message: z.string().nullable(),
      at: isoTimestamp,
    })
    .nullable(),
});
export type ServerAgent = z.infer<typeof serverAgent>;

/** Answer to POST /servers/:serverId/agent/install-token: a new one-time token (shown once). */
export const agentInstallToken = z.object({ server_id: uuid, token: z.string(), install_command: z.string() });

/** One server's outcome of an update request. */
export const agentUpdateOutcome = z.object({
  server_id: uuid,
  /** `in_progress`: an update of that agent was already under way (per server, the API answers 409 UPDATE_IN_PROGRESS). */
  outcome: z.enum(["started", "up_to_date", "offline", "not_supported", "in_progress"]),
  from_version: z.string().nullable(),
  to_version: z.string(),
  message: z.string(),
});
export type AgentUpdateOutcome = z.infer<typeof agentUpdateOutcome>;

/**
 * The name the agent endpoint's certificate carries and agents check, whatever host or address they reach it at:
 * only the installation's own CA (which agents pin at enrolment) issues certificates for it.
 */
export const AGENT_ENDPOINT_TLS_NAME = "agent-endpoint.syntra.internal";

/** Paths on the agent endpoint besides the WebSocket: certificate renewal and bundle downloads. */
export const AGENT_ENDPOINT_PATHS = {
  certificate: "/agent/v1/certificate",
  bundle: (version: string) => `/agent/v1/bundles/${version}`,
} as const;
