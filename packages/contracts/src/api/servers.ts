import { z } from "zod";
import { isoTimestamp, uuid } from "../common";
import { serverAgent } from "./agent-enrolment";
import { pageQuery } from "./envelope";

const serverName = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .regex(/^[\p{L}\p{N} ._-]+$/u, "letters, digits, spaces, dots, dashes and underscores only");
const tag = z
  .string()
  .min(1)
  .max(50)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, "lowercase letters, digits, dots, dashes and underscores");

/** A server as the API shows it (never its agent token hash). */
export const server = z.object({
  id: uuid,
  name: z.string(),
  hostname: z.string().nullable(),
  public_ip: z.string().nullable(),
  private_ip: z.string().nullable(),
  runtime: z.enum(["docker", "kubernetes"]),
  runtime_version: z.string().nullable(),
  status: z.enum(["online", "offline", "updating", "error"]),
  agent_version: z.string().nullable(),
  os_name: z.string().nullable(),
  os_version: z.string().nullable(),
  arch: z.string().nullable(),
  cpu_cores: z.number().int().nullable(),
  memory_mb: z.number().int().nullable(),
  disk_gb: z.number().int().nullable(),
  last_heartbeat_at: isoTimestamp.nullable(),
  tags: z.array(z.string()),
  created_at: isoTimestamp,
  updated_at: isoTimestamp,
  /** Enrolment, certificate and self-update of the server's agent (a Syntra addition). */
  agent: serverAgent,
});
export type Server = z.infer<typeof server>;

/** GET /servers query. */
export const listServersQuery = pageQuery.extend({ status: z.enum(["online", "offline", "all"]).default("all") });

/** POST /servers. */
export const createServerBody = z.strictObject({ name: serverName, tags: z.array(tag).max(20).optional() });

/** Answer to POST /servers: the agent token is shown this once. */
export const createdServer = z.object({
  server_id: uuid,
  install_command: z.string(),
  token: z.string(),
  server,
});

/** PATCH /servers/:serverId. */
export const updateServerBody = z
  .strictObject({ name: serverName.optional(), tags: z.array(tag).max(20).optional() })
  .refine((b) => Object.keys(b).length > 0, { message: "give at least one field to change" });
