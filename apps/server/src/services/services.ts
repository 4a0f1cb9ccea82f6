import {
  type CreateServiceBody,
  type Service,
  type SourceType,
  sourceConfigSchemas,
  type UpdateServiceBody,
} from "@syntra/contracts";
import { and, asc, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client";
import { domains, projects, servers, services } from "../db/schema";
import type { AppDeps } from "../deps";
import { claimDomains } from "../domains/claims";
import { AppError, conflict, isUniqueViolation, notFound } from "../errors";
import { parseInput } from "../http/validation";
import { getProject, type ProjectScope } from "../projects/projects";
import { defaultDomainOf, uniqueLabel } from "./default-domain";
import { countEnv, envFromRecord, sealEnv } from "./env-vars";
import { healthCheckColumns, serializeService, sourceColumns } from "./serialize";
import { assertSingleWriterReplicas } from "./volumes";

type ServiceRow = typeof services.$inferSelect;

/**
 * Services as the API shows them, with their custom domains' states and default domains: two queries whatever
 * their number. One whose secrets cannot be opened (lost master key) must not break every list it appears in.
 */
export async function presentServices(
  db: Db,
  deps: Pick<AppDeps, "keyring" | "logger" | "config">,
  rows: ServiceRow[],
): Promise<Service[]> {
  if (rows.length === 0) return [];
  const [domainRows, serverRows] = await Promise.all([
    db
      .select({
        serviceId: domains.serviceId,
        domain: domains.domain,
        status: domains.status,
        statusReason: domains.statusReason,
      })
      .from(domains)
      .where(
        inArray(
          domains.serviceId,
          rows.map((r) => r.id),
        ),
      )
      .orderBy(asc(domains.domain)),
    db
      .select()
      .from(servers)
      .where(inArray(servers.id, [...new Set(rows.map((r) => r.serverId))])),
  ]);
  const serverById = new Map(serverRows.map((s) => [s.id, s]));
  return rows.map((row) => {
    let count: number | null = null;
    try {
      count = countEnv(deps.keyring, row.id, row.envVarsEncrypted);
    } catch (err) {
      deps.logger.warn({ service_id: row.id, reason: (err as Error).message }, "env vars cannot be decrypted");
    }
    const own = domainRows
      .filter((d) => d.serviceId === row.id)
      .map((d) => ({ domain: d.domain, status: d.status, status_reason: d.statusReason }));
    const server = serverById.get(row.serverId) ?? null;
    const defaultDomain = defaultDomainOf(row, server, deps.config.domains.appsDomain);
    return serializeService(row, count, { domains: own, defaultDomain });
  });
}

/** One service as the API shows it (see presentServices); `db` may be the caller's transaction. */
export async function presentService(
  db: Db,
  deps: Pick<AppDeps, "keyring" | "logger" | "config">,
  row: ServiceRow,
): Promise<Service> {
  const [shown] = await presentServices(db, deps, [row]);
  if (!shown) throw notFound("Service");
  return shown;
}

/** The services of a project, by name. */
export async function listServices(deps: AppDeps, projectId: string): Promise<Service[]> {
  const rows = await deps.db
    .select()
    .from(services)
    .where(eq(services.projectId, projectId))
    .orderBy(asc(services.name));
  return presentServices(deps.db, deps, rows);
}

/** The services of a project in scope. */
export async function listProjectServices(deps: AppDeps, scope: ProjectScope, projectId: string): Promise<Service[]> {
  await getProject(deps.db, scope, projectId);
  return listServices(deps, projectId);
}

/** A service in scope (through its project's organization); NOT_FOUND otherwise. */
export async function getServiceRow(db: Db, scope: ProjectScope, serviceId: string): Promise<ServiceRow> {
  const [row] = await db
    .select({ service: services })
    .from(services)
    .innerJoin(projects, eq(projects.id, services.projectId))
    .where(
      and(
        eq(services.id, serviceId),
        eq(projects.orgId, scope.orgId),
        ...(scope.projectId ? [eq(projects.id, scope.projectId)] : []),
      ),
    )
    .limit(1);
  if (!row) throw notFound("Service");
  return row.service;
}

/** A service in scope, as the API shows it. */
export async function getService(deps: AppDeps, scope: ProjectScope, serviceId: string): Promise<Service> {
  return presentService(deps.db, deps, await getServiceRow(deps.db, scope, serviceId));
}

async function assertServerInOrg(db: Db, orgId: string, serverId: string): Promise<void> {
  const [row] = await db
    .select({ id: servers.id })
    .from(servers)
    .where(and(eq(servers.id, serverId), eq(servers.orgId, orgId)))
    .limit(1);
  if (!row) {
    throw new AppError("UNPROCESSABLE", "server_id: no such server in this organization", [
      { path: "body.server_id", message: "no such server in this organization" },
    ]);
  }
}

/** What creating or changing a service needs besides its store (which may be the caller's transaction). */
type ServiceDeps = Pick<AppDeps, "keyring" | "logger" | "now" | "config">;

/** Creates a service in a project; its initial env vars are stored encrypted, as secrets. Database work only. */
export async function createService(
  db: Db,
  deps: ServiceDeps,
  scope: ProjectScope,
  projectId: string,
  input: CreateServiceBody,
): Promise<Service> {
  const project = await getProject(db, scope, projectId);
  await assertServerInOrg(db, scope.orgId, input.server_id);
  assertSingleWriterReplicas(input, "body.replicas");
  try {
    const row = await db.transaction(async (tx) => {
      const [inserted] = await tx
        .insert(services)
        .values({
          projectId,
          serverId: input.server_id,
          name: input.name,
          type: input.type,
          ...sourceColumns(input.source_type, input.source_config),
          sourceType: input.source_type,
          port: input.port ?? null,
          replicas: input.replicas,
          cpuLimit: input.cpu_limit ?? null,
          memoryLimit: input.memory_limit ?? null,
          // Routed only once verified: claimDomains adds them as pending and fills this in.
          domains: [],
          autoDeploy: input.auto_deploy,
          volumes: input.volumes,
          metricsScrape: input.metrics_scrape ?? null,
          defaultDomainEnabled: input.default_domain_enabled,
          ...healthCheckColumns(input.health_check ?? null),
        })
        .returning();
      if (!inserted) throw new Error("insert returned no row");
      const label = await uniqueLabel(tx, inserted.id, input.name, project.slug);
      const [created] = await tx
        .update(services)
        .set({ defaultDomainLabel: label })
        .where(eq(services.id, inserted.id))
        .returning();
      if (!created) throw new Error("update returned no row");
      if (input.domains?.length) await claimDomains(tx, created.id, input.domains);
      if (!input.env_vars || Object.keys(input.env_vars).length === 0)
        return input.domains?.length ? reread(tx, created.id) : created;
      const sealed = sealEnv(deps.keyring, created.id, envFromRecord(input.env_vars, deps.now()));
      const [withEnv] = await tx
        .update(services)
        .set({ envVarsEncrypted: sealed })
        .where(eq(services.id, created.id))
        .returning();
      return withEnv ?? created;
    });
    return await presentService(db, deps, row);
  } catch (err) {
    if (isUniqueViolation(err, "idx_services_project_name"))
      throw conflict(`A service named '${input.name}' already exists in this project`);
    throw err;
  }
}

/**
 * Changes a service's settings. A `source_config` without `source_type` is checked against the current type.
 * Database work only: the caller sends the routes to the agent after the commit when `routesChanged(input)`.
 */
export async function updateService(
  db: Db,
  deps: ServiceDeps,
  scope: ProjectScope,
  serviceId: string,
  input: UpdateServiceBody,
): Promise<Service> {
  const current = await getServiceRow(db, scope, serviceId);
  if (input.server_id !== undefined) await assertServerInOrg(db, scope.orgId, input.server_id);
  assertSingleWriterReplicas(
    {
      type: input.type ?? current.type,
      volumes: input.volumes ?? current.volumes,
      replicas: input.replicas ?? current.replicas ?? 1,
    },
    input.replicas !== undefined ? "body.replicas" : input.volumes !== undefined ? "body.volumes" : "body.type",
  );
  let source: Partial<ServiceRow> = {};
  if (input.source_config !== undefined) {
    const type: SourceType = input.source_type ?? current.sourceType;
    const config = parseInput(sourceConfigSchemas[type], input.source_config, "body.source_config");
    source = sourceColumns(type, config);
  }
  try {
    const row = await db.transaction(async (tx) => {
      const [updated] = await tx
        .update(services)
        .set({
          ...source,
          updatedAt: deps.now(),
          ...(input.name !== undefined && { name: input.name }),
          ...(input.server_id !== undefined && { serverId: input.server_id }),
          ...(input.type !== undefined && { type: input.type }),
          ...(input.port !== undefined && { port: input.port }),
          ...(input.replicas !== undefined && { replicas: input.replicas }),
          ...(input.cpu_limit !== undefined && { cpuLimit: input.cpu_limit }),
          ...(input.memory_limit !== undefined && { memoryLimit: input.memory_limit }),
          ...(input.auto_deploy !== undefined && { autoDeploy: input.auto_deploy }),
          ...(input.volumes !== undefined && { volumes: input.volumes }),
          ...(input.metrics_scrape !== undefined && { metricsScrape: input.metrics_scrape }),
          ...(input.health_check !== undefined && healthCheckColumns(input.health_check)),
          ...(input.default_domain_enabled !== undefined && { defaultDomainEnabled: input.default_domain_enabled }),
        })
        .where(eq(services.id, current.id))
        .returning();
      if (!updated) throw notFound("Service");
      if (input.default_domain_enabled === true && !current.defaultDomainEnabled) {
        // Turned on again: the name follows the service's and project's names of now.
        const [project] = await tx
          .select({ slug: projects.slug })
          .from(projects)
          .where(eq(projects.id, updated.projectId));
        const label = await uniqueLabel(tx, updated.id, updated.name, project?.slug ?? "project");
        await tx.update(services).set({ defaultDomainLabel: label }).where(eq(services.id, updated.id));
      }
      if (input.domains !== undefined) await claimDomains(tx, updated.id, input.domains);
      return reread(tx, updated.id);
    });
    return await presentService(db, deps, row);
  } catch (err) {
    if (isUniqueViolation(err, "idx_services_project_name"))
      throw conflict(`A service named '${input.name}' already exists in this project`);
    throw err;
  }
}

async function reread(db: Db, serviceId: string): Promise<ServiceRow> {
  const [row] = await db.select().from(services).where(eq(services.id, serviceId)).limit(1);
  if (!row) throw notFound("Service");
  return row;
}

/** Whether a service update changes what its proxy routes (its domains, or its default domain on or off). */
export function routesChanged(input: UpdateServiceBody): boolean {
  return input.domains !== undefined || input.default_domain_enabled !== undefined;
}
