import type { CreateProjectBody, Project, UpdateProjectBody } from "@syntra/contracts";
import { and, asc, eq, type SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { projects } from "../db/schema";
import { conflict, isUniqueViolation, notFound } from "../errors";
import { slugify } from "../lib/slugify";

type ProjectRow = typeof projects.$inferSelect;

/** Which projects a caller may see: the organization's, or just one for a project-scoped token. */
export interface ProjectScope {
  orgId: string;
  projectId: string | null;
}

/** A project as the API shows it. */
export function serializeProject(row: ProjectRow): Project {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    description: row.description,
    git_repo_url: row.gitRepoUrl,
    git_branch: row.gitBranch,
    created_at: (row.createdAt ?? new Date(0)).toISOString(),
    updated_at: (row.updatedAt ?? new Date(0)).toISOString(),
  };
}

function scopeWhere(scope: ProjectScope): SQL[] {
  const where = [eq(projects.orgId, scope.orgId)];
  if (scope.projectId) where.push(eq(projects.id, scope.projectId));
  return where;
}

/** The projects in scope, by name. */
export async function listProjects(db: Db, scope: ProjectScope): Promise<Project[]> {
  const rows = await db
    .select()
    .from(projects)
    .where(and(...scopeWhere(scope)))
    .orderBy(asc(projects.name));
  return rows.map(serializeProject);
}

/** One project in scope; NOT_FOUND otherwise, whoever owns it. */
export async function getProject(db: Db, scope: ProjectScope, projectId: string): Promise<ProjectRow> {
  const [row] = await db
    .select()
    .from(projects)
    .where(and(eq(projects.id, projectId), ...scopeWhere(scope)))
    .limit(1);
  if (!row) throw notFound("Project");
  return row;
}

/** Creates a project; its slug (derived from the name unless given) is unique in the organization. */
export async function createProject(db: Db, orgId: string, input: CreateProjectBody): Promise<ProjectRow> {
  const slug = input.slug ?? slugify(input.name);
  try {
    const [row] = await db
      .insert(projects)
      .values({
        orgId,
        name: input.name,
        slug,
        description: input.description ?? null,
        gitRepoUrl: input.git_repo_url ?? null,
        ...(input.git_branch !== undefined && { gitBranch: input.git_branch }),
        gitProvider: input.git_repo_url ? gitProviderOf(input.git_repo_url) : null,
      })
      .returning();
    if (!row) throw new Error("insert returned no row");
    return row;
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`A project with slug '${slug}' already exists`, { slug });
    throw err;
  }
}

/** Changes a project's settings. */
export async function updateProject(
  db: Db,
  scope: ProjectScope,
  projectId: string,
  input: UpdateProjectBody,
): Promise<ProjectRow> {
  await getProject(db, scope, projectId);
  try {
    const [row] = await db
      .update(projects)
      .set({
        ...(input.name !== undefined && { name: input.name }),
        ...(input.slug !== undefined && { slug: input.slug }),
        ...(input.description !== undefined && { description: input.description }),
        ...(input.git_branch !== undefined && { gitBranch: input.git_branch }),
        ...(input.git_repo_url !== undefined && {
          gitRepoUrl: input.git_repo_url,
          gitProvider: input.git_repo_url ? gitProviderOf(input.git_repo_url) : null,
        }),
      })
      .where(eq(projects.id, projectId))
      .returning();
    if (!row) throw notFound("Project");
    return row;
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`A project with slug '${input.slug}' already exists`);
    throw err;
  }
}

/** Which forge a repository URL points at, for provider-specific webhooks. */
export function gitProviderOf(url: string): string | null {
  if (/github\.com[/:]/.test(url)) return "github";
  if (/gitlab\./.test(url)) return "gitlab";
  if (/bitbucket\.org[/:]/.test(url)) return "bitbucket";
  if (url.startsWith("file://")) return "local";
  return null;
}
