import { z } from "zod";

const fields = {
  type: z.enum(["http", "tcp", "exec"]),
  path: z
    .string()
    .max(255)
    .regex(/^\/[\x21-\x7e]*$/, "must start with / and hold no spaces")
    .optional(),
  port: z.number().int().min(1).max(65535).optional(),
  command: z.array(z.string().max(4096)).min(1).max(64).optional(),
  interval_seconds: z.number().int().min(1).max(3600).default(30),
  timeout_seconds: z.number().int().min(1).max(300).default(5),
  retries: z.number().int().min(0).max(100).default(3),
  start_period_seconds: z.number().int().min(0).max(3600).default(0),
};

function withRules<T extends z.ZodObject<typeof fields>>(schema: T) {
  return schema
    .refine((h) => h.type !== "http" || h.path !== undefined, { message: "http checks need a path", path: ["path"] })
    .refine((h) => h.type !== "exec" || h.command !== undefined, {
      message: "exec checks need a command",
      path: ["command"],
    });
}

/**
 * How a service's health is probed (interface contracts `HealthCheckConfig`), as the agent receives it in
 * `deploy` and `configure_health_check`. Unknown fields are dropped, so a newer control plane stays
 * compatible with an older agent.
 */
export const healthCheckConfig = withRules(z.object(fields));
export type HealthCheckConfig = z.infer<typeof healthCheckConfig>;

/** The same settings in REST request bodies, where unknown fields are rejected like everywhere in the API. */
export const healthCheckConfigBody = withRules(z.strictObject(fields));
