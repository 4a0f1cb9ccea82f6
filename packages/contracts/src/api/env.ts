import { z } from "zod";

/** Environment variable names: POSIX-style identifiers. */
export const envVarKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "letters, digits and underscores, not starting with a digit");

/** What a masked secret value reads as. */
export const MASKED_VALUE = "********";

/** One variable as listed. Secret values read as MASKED_VALUE unless revealed by a permitted role. */
export const envVar = z.object({
  key: z.string(),
  value: z.string(),
  is_secret: z.boolean(),
  masked: z.boolean(),
  /** Also passed to builds as a build argument; other variables exist only at run time, never in the image. */
  is_build_time: z.boolean(),
});
export type EnvVar = z.infer<typeof envVar>;

/** GET /services/:serviceId/env query. */
export const listEnvQuery = z.strictObject({
  reveal: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .default(false),
});

/** PUT /services/:serviceId/env: sets (adds or replaces) the given variables; others stay. New ones are secret unless said otherwise. */
export const putEnvBody = z.strictObject({
  variables: z
    .array(
      z.strictObject({
        key: envVarKey,
        value: z.string().max(32_768),
        is_secret: z.boolean().optional(),
        is_build_time: z.boolean().optional(),
      }),
    )
    .min(1)
    .max(500)
    .refine((vs) => new Set(vs.map((v) => v.key)).size === vs.length, { message: "each key at most once" }),
});
export type PutEnvBody = z.infer<typeof putEnvBody>;

/** Answer to PUT /services/:serviceId/env. */
export const putEnvResult = z.object({ updated: z.array(z.string()) });

/** DELETE /services/:serviceId/env/:key path. */
export const envKeyParams = z.strictObject({ serviceId: z.uuid(), key: envVarKey });

/** PATCH /services/:serviceId/env/:key: changes a variable's flags without touching (or needing) its value. */
export const patchEnvVarBody = z
  .strictObject({ is_secret: z.boolean().optional(), is_build_time: z.boolean().optional() })
  .refine((b) => b.is_secret !== undefined || b.is_build_time !== undefined, {
    message: "give is_secret or is_build_time",
  });
export type PatchEnvVarBody = z.infer<typeof patchEnvVarBody>;
