import { z } from "zod";
import { text } from "../common";

/** Environment variable names: POSIX-style identifiers. */
export const envVarKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "letters, digits and underscores, not starting with a digit")
  // A JavaScript object (a JSON body, a zod record) cannot carry this key as data: it would be accepted, listed
  // and then lost on the way to the container. Refused rather than lost.
  .refine((key) => key !== "__proto__", "'__proto__' cannot be used as a variable name");

/** A variable's value, as stored (encrypted) and handed to the container. */
export const envVarValue = text(32_768);

/** Variables one service may have at most; every way in (create, PUT /env) is bounded by it. */
export const MAX_ENV_VARS = 500;

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
        value: envVarValue,
        is_secret: z.boolean().optional(),
        is_build_time: z.boolean().optional(),
      }),
    )
    .min(1)
    .max(MAX_ENV_VARS)
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
