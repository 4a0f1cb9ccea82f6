import { deployment, membershipOrg, server, serviceOverview, user } from "@syntra/contracts";
import { z } from "zod";
import { linkSchema } from "./config/link";

// The shapes of `syn ... --json` that are the CLI's own (the others print the API's objects as the contracts
// declare them: services list -> serviceOverview[], env list -> envVar[], deploy -> deploymentDetail ...).
// Scripts may rely on them: fields are added, never renamed or removed, within a major version.

/** `syn whoami --json`. */
export const whoamiOutput = z.object({
  url: z.string(),
  context: z.string(),
  token_from: z.enum(["SYNTRA_TOKEN", "context"]),
  user,
  org: membershipOrg.nullable(),
  orgs: z.array(membershipOrg),
  permissions: z.array(z.string()),
});

/** `syn login --json`. */
export const loginOutput = z.object({
  context: z.string(),
  url: z.string(),
  user,
  org: membershipOrg.nullable(),
});

/** `syn status --json`. */
export const statusOutput = z.object({ servers: z.array(server), services: z.array(serviceOverview) });

/** `syn deploy --detach --json`. */
export const detachedDeployOutput = deployment;

/** `syn orgs list --json`. */
export const orgsOutput = z.array(membershipOrg.extend({ current: z.boolean() }));

/** `syn link --json`: the link file's content and where it is. */
export const linkOutput = linkSchema.extend({ file: z.string() });

/** What every failing command writes to stderr with `--json`. */
export const errorOutput = z.object({
  error: z.object({
    message: z.string(),
    exit_code: z.number().int(),
    code: z.string().optional(),
    status: z.number().int().optional(),
    request_id: z.string().nullable().optional(),
    details: z.array(z.string()).optional(),
  }),
});
