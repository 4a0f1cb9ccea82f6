import { z } from "zod";

/** How many volumes a service may mount. */
export const MAX_SERVICE_VOLUMES = 20;

/** A volume's name within its service; the Docker volume on the server is namespaced by the service id. */
export const volumeName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_.-]{0,62}$/,
    "lowercase letters, digits, '_', '.' and '-', starting with a letter or digit, at most 63",
  );

// Control characters never belong in a path, and a NUL would cut it short in the runtime.
const printable = (p: string) => [...p].every((c) => c >= " " && c !== "\x7f");
const segments = (p: string) => p.split("/").slice(1);

/** Where the volume appears in the container: absolute, normalized (no `.`, `..`, `//` or trailing `/`), not `/`. */
export const containerPath = z
  .string()
  .max(4096)
  .refine((p) => p.startsWith("/"), "must be an absolute path")
  .refine((p) => p !== "/", "cannot be / (the container's root)")
  .refine((p) => !segments(p).includes(".."), "must not contain '..'")
  .refine(
    (p) => p === "/" || segments(p).every((s) => s !== "" && s !== "."),
    "must be normalized: no '//', '.' or trailing '/'",
  )
  .refine(printable, "must not contain control characters");

/** A directory or file of the server mounted into the container (a bind mount): absolute, no `..`. */
export const hostPath = z
  .string()
  .max(4096)
  .refine((p) => p.startsWith("/"), "must be an absolute path")
  .refine((p) => !segments(p).includes(".."), "must not contain '..'")
  .refine(printable, "must not contain control characters");

/**
 * One volume of a service. Without `host_path` it is a named volume kept by the server's Docker engine across
 * deploys; with it, a bind mount of the server's own files, which only owners and admins may set.
 */
export const serviceVolume = z.strictObject({
  name: volumeName,
  container_path: containerPath,
  host_path: hostPath.optional(),
  read_only: z.boolean().default(false),
});
export type ServiceVolume = z.infer<typeof serviceVolume>;

/** A service's volumes: names and container paths each unique, at most MAX_SERVICE_VOLUMES. */
export const serviceVolumes = z
  .array(serviceVolume)
  .max(MAX_SERVICE_VOLUMES, `at most ${MAX_SERVICE_VOLUMES} volumes`)
  .superRefine((volumes, ctx) => {
    for (const key of ["name", "container_path"] as const) {
      const seen = new Set<string>();
      volumes.forEach((v, i) => {
        if (seen.has(v[key])) ctx.addIssue({ code: "custom", path: [i, key], message: `'${v[key]}' is used twice` });
        seen.add(v[key]);
      });
    }
  });
