import { z } from "zod";
import { isoTimestamp, text, trimmedText, uuid } from "../common";

/** Git URL forms Syntra can clone: https, ssh (scp-like or ssh://) and local file:// repositories. */
export const gitRepoUrl = z
  .string()
  .max(2000)
  .regex(
    /^(https?:\/\/[^\s]+|ssh:\/\/[^\s]+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+|file:\/\/\/[^\s]+)$/,
    "expected an https://, ssh:// , user@host:path or file:/// URL",
  );
/** A git branch name (the subset of git's rules that matters for safety: no spaces, no leading dash, no `..`). */
export const gitBranch = z
  .string()
  .min(1)
  .max(255)
  .regex(/^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]+$/, "not a valid branch name");

const slug = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "lowercase letters, digits and dashes");

/** A project. GET /projects/:id adds its services. */
export const project = z.object({
  id: uuid,
  name: z.string(),
  slug: z.string(),
  description: z.string().nullable(),
  git_repo_url: z.string().nullable(),
  git_branch: z.string().nullable(),
  created_at: isoTimestamp,
  updated_at: isoTimestamp,
});
export type Project = z.infer<typeof project>;

/** POST /projects. The slug is derived from the name unless given. */
export const createProjectBody = z.strictObject({
  name: trimmedText(255),
  slug: slug.optional(),
  description: text(5000).optional(),
  git_repo_url: gitRepoUrl.optional(),
  git_branch: gitBranch.optional(),
});
export type CreateProjectBody = z.infer<typeof createProjectBody>;

/** PATCH /projects/:projectId. */
export const updateProjectBody = z
  .strictObject({
    name: trimmedText(255).optional(),
    slug: slug.optional(),
    description: text(5000).nullable().optional(),
    git_repo_url: gitRepoUrl.nullable().optional(),
    git_branch: gitBranch.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: "give at least one field to change" });
export type UpdateProjectBody = z.infer<typeof updateProjectBody>;
