import {
  type acceptInvitationBody,
  apiToken,
  auditEntry,
  authProviders,
  type BulkUpdateIssuesBody,
  buildDiskUsage,
  type CreateDomainBody,
  type changePasswordBody,
  createdInvitation,
  createdServer,
  createdToken,
  type createInvitationBody,
  type createProjectBody,
  type createServerBody,
  type createServiceBody,
  type createTokenBody,
  type DeploymentLogStreamEvent,
  deployment,
  deploymentDetail,
  type ExecBody,
  envVar,
  errorEventItem,
  errorGroup,
  execResult,
  type forgotPasswordBody,
  type GitCredentialsBody,
  gitCredentials,
  type IssueEventsQuery,
  type IssueStatsPeriod,
  invitation,
  issueDetail,
  issueHistogram,
  issueListItem,
  type ListDeploymentsQuery,
  type ListIssuesQuery,
  type ListServicesQuery,
  type LiveEvent,
  type LiveEventsQuery,
  type LogStreamEvent,
  type listAuditQuery,
  type listServersQuery,
  liveEvent,
  type loginBody,
  logStreamEvent,
  me,
  member,
  metricSeries,
  type OrgRole,
  organization,
  type PatchEnvVarBody,
  type PutEnvBody,
  passwordResetRequested,
  project,
  putEnvResult,
  type RollbackBody,
  type resetPasswordBody,
  type ServerMetricsQuery,
  type ServiceLogStreamQuery,
  type ServiceLogsQuery,
  server,
  service,
  serviceDomain,
  serviceLogEntry,
  serviceOverview,
  type signupBody,
  type TriggerDeployBody,
  type UpdateIssueBody,
  type UpdateProjectBody,
  type UpdateServiceBody,
  type UploadCertificateBody,
  type updateServerBody,
  webhookInfo,
} from "@syntra/contracts";
import { z } from "zod";
import { parseDeploymentLogEvent } from "./deployment-log";
import { type ClientOptions, Http, type Query, withQuery } from "./http";
import { readSse } from "./sse";

type In<S extends z.ZodType> = z.input<S>;
const ok = z.object({ success: z.literal(true) });
/** GET /projects/:id answers the project with its services. */
export const projectWithServices = project.extend({ services: z.array(service) });
/** GET /services/:id answers the service with its latest deployments. */
export const serviceWithDeployments = service.extend({ recent_deployments: z.array(deployment) });

const enc = encodeURIComponent;

/**
 * The typed client of Syntra's public REST API (`/api/v1`), shared by the dashboard and the CLI: each
 * method is one endpoint, its answer checked against the contract schema, its failure an ApiError.
 */
export function createApiClient(opts: ClientOptions = {}) {
  const http = new Http(opts);
  const get = <S extends z.ZodType>(path: string, schema: S, query?: Query) =>
    http.call("GET", withQuery(path, query), schema);

  return {
    /** Base URL requests go to ("" for the page's origin). */
    baseUrl: http.baseUrl,

    auth: {
      providers: () => get("/api/v1/auth/providers", authProviders),
      signup: (body: In<typeof signupBody>) => http.call("POST", "/api/v1/auth/signup", me, { body }),
      login: (body: In<typeof loginBody>) => http.call("POST", "/api/v1/auth/login", me, { body }),
      logout: () => http.send("POST", "/api/v1/auth/logout"),
      acceptInvitation: (body: In<typeof acceptInvitationBody>) =>
        http.call("POST", "/api/v1/invitations/accept", me, { body }),
      /** Mails a reset link if an account has this email; the answer does not say whether one does. */
      forgotPassword: (body: In<typeof forgotPasswordBody>) =>
        http.call("POST", "/api/v1/auth/password/forgot", passwordResetRequested, { body }),
      /** Sets a new password with the token of an emailed link; every session of the account ends. */
      resetPassword: (body: In<typeof resetPasswordBody>) => http.send("POST", "/api/v1/auth/password/reset", body),
      /** Changes (or sets a first) password of the signed-in user; their other sessions end. */
      changePassword: (body: In<typeof changePasswordBody>) => http.send("PUT", "/api/v1/me/password", body),
      /** Where the browser goes to sign in with GitHub. */
      githubUrl: (inviteToken?: string) =>
        http.baseUrl + withQuery("/api/v1/auth/github", { invite_token: inviteToken }),
    },

    me: () => get("/api/v1/me", me),

    tokens: {
      list: () => get("/api/v1/tokens", z.array(apiToken)),
      create: (body: In<typeof createTokenBody>) => http.call("POST", "/api/v1/tokens", createdToken, { body }),
      revoke: (tokenId: string) => http.send("DELETE", `/api/v1/tokens/${enc(tokenId)}`),
    },

    org: {
      get: () => get("/api/v1/org", organization),
      update: (body: { name: string }) => http.call("PATCH", "/api/v1/org", organization, { body }),
      members: () => get("/api/v1/org/members", z.array(member)),
      setRole: (userId: string, role: OrgRole) =>
        http.call("PATCH", `/api/v1/org/members/${enc(userId)}`, member, { body: { role } }),
      removeMember: (userId: string) => http.send("DELETE", `/api/v1/org/members/${enc(userId)}`),
      invitations: () => get("/api/v1/org/invitations", z.array(invitation)),
      invite: (body: In<typeof createInvitationBody>) =>
        http.call("POST", "/api/v1/org/invitations", createdInvitation, { body }),
      withdrawInvitation: (id: string) => http.send("DELETE", `/api/v1/org/invitations/${enc(id)}`),
    },

    servers: {
      list: (query: Partial<z.output<typeof listServersQuery>> = {}) =>
        get("/api/v1/servers", z.array(server), { per_page: 100, ...query }),
      get: (id: string) => get(`/api/v1/servers/${enc(id)}`, server),
      create: (body: In<typeof createServerBody>) => http.call("POST", "/api/v1/servers", createdServer, { body }),
      update: (id: string, body: In<typeof updateServerBody>) =>
        http.call("PATCH", `/api/v1/servers/${enc(id)}`, server, { body }),
      remove: (id: string) => http.send("DELETE", `/api/v1/servers/${enc(id)}`),
      metrics: (id: string, query: Partial<ServerMetricsQuery> = {}) =>
        get(`/api/v1/servers/${enc(id)}/metrics`, z.array(metricSeries), query),
    },

    projects: {
      list: () => get("/api/v1/projects", z.array(project)),
      get: (id: string) => get(`/api/v1/projects/${enc(id)}`, projectWithServices),
      create: (body: In<typeof createProjectBody>) => http.call("POST", "/api/v1/projects", project, { body }),
      update: (id: string, body: UpdateProjectBody) =>
        http.call("PATCH", `/api/v1/projects/${enc(id)}`, project, { body }),
      remove: (id: string) => http.send("DELETE", `/api/v1/projects/${enc(id)}`),
      services: (id: string) => get(`/api/v1/projects/${enc(id)}/services`, z.array(service)),
      createService: (id: string, body: In<typeof createServiceBody>) =>
        http.call("POST", `/api/v1/projects/${enc(id)}/services`, service, { body }),
    },

    services: {
      /** Every service in reach with its project and newest deployment, optionally of one project or server. */
      list: (query: ListServicesQuery = {}) => get("/api/v1/services", z.array(serviceOverview), query),
      get: (id: string) => get(`/api/v1/services/${enc(id)}`, serviceWithDeployments),
      update: (id: string, body: UpdateServiceBody) =>
        http.call("PATCH", `/api/v1/services/${enc(id)}`, service, { body }),
      remove: (id: string) => http.send("DELETE", `/api/v1/services/${enc(id)}`),
      deploy: (id: string, body: TriggerDeployBody = {}) =>
        http.call("POST", `/api/v1/services/${enc(id)}/deploy`, deployment, { body }),
      rollback: (id: string, body: RollbackBody) =>
        http.call("POST", `/api/v1/services/${enc(id)}/rollback`, deployment, { body }),
      deployments: (id: string, query: Partial<ListDeploymentsQuery> = {}) =>
        get(`/api/v1/services/${enc(id)}/deployments`, z.array(deployment), query),
      restart: (id: string) => http.call("POST", `/api/v1/services/${enc(id)}/restart`, ok, { body: {} }),
      scale: (id: string, replicas: number) =>
        http.call("POST", `/api/v1/services/${enc(id)}/scale`, service, { body: { replicas } }),
      logs: (id: string, query: Partial<ServiceLogsQuery> = {}) =>
        get(`/api/v1/services/${enc(id)}/logs`, z.array(serviceLogEntry), query),
      exec: (id: string, body: Omit<ExecBody, "timeout_seconds"> & { timeout_seconds?: number }) =>
        http.call("POST", `/api/v1/services/${enc(id)}/exec`, execResult, { body }),
    },

    env: {
      list: (serviceId: string, reveal = false) =>
        get(`/api/v1/services/${enc(serviceId)}/env`, z.array(envVar), reveal ? { reveal: "true" } : {}),
      put: (serviceId: string, body: PutEnvBody) =>
        http.call("PUT", `/api/v1/services/${enc(serviceId)}/env`, putEnvResult, { body }),
      remove: (serviceId: string, key: string) =>
        http.send("DELETE", `/api/v1/services/${enc(serviceId)}/env/${enc(key)}`),
      /** Changes a variable's flags only; its value is neither needed nor sent. */
      setFlags: (serviceId: string, key: string, body: PatchEnvVarBody) =>
        http.call("PATCH", `/api/v1/services/${enc(serviceId)}/env/${enc(key)}`, envVar, { body }),
    },

    domains: {
      list: (serviceId: string) => get(`/api/v1/services/${enc(serviceId)}/domains`, z.array(serviceDomain)),
      add: (serviceId: string, body: CreateDomainBody) =>
        http.call("POST", `/api/v1/services/${enc(serviceId)}/domains`, serviceDomain, { body }),
      remove: (serviceId: string, domain: string) =>
        http.send("DELETE", `/api/v1/services/${enc(serviceId)}/domains/${enc(domain)}`),
      verify: (serviceId: string, domain: string) =>
        http.call("POST", `/api/v1/services/${enc(serviceId)}/domains/${enc(domain)}/verify`, serviceDomain, {
          body: {},
        }),
      /** Serves the domain with an uploaded certificate instead of ACME (400 naming what is wrong with it). */
      uploadCertificate: (serviceId: string, domain: string, body: UploadCertificateBody) =>
        http.call("PUT", `/api/v1/services/${enc(serviceId)}/domains/${enc(domain)}/certificate`, serviceDomain, {
          body,
        }),
      /** Deletes the uploaded certificate: ACME again. */
      removeCertificate: (serviceId: string, domain: string) =>
        http.call("DELETE", `/api/v1/services/${enc(serviceId)}/domains/${enc(domain)}/certificate`, serviceDomain),
    },

    git: {
      /** Which credentials a built service clones with (never the secret). */
      credentials: (serviceId: string) => get(`/api/v1/services/${enc(serviceId)}/git/credentials`, gitCredentials),
      /** A token, or `{kind: "ssh_key"}` to generate a deploy key (the answer holds its public half). */
      setCredentials: (serviceId: string, body: GitCredentialsBody) =>
        http.call("PUT", `/api/v1/services/${enc(serviceId)}/git/credentials`, gitCredentials, { body }),
      removeCredentials: (serviceId: string) =>
        http.send("DELETE", `/api/v1/services/${enc(serviceId)}/git/credentials`),
      /** Whether a webhook secret is set, and the URLs each git host posts to. */
      webhook: (serviceId: string) => get(`/api/v1/services/${enc(serviceId)}/webhook`, webhookInfo),
      /** A new webhook secret (replacing any), in this answer only. */
      rotateWebhook: (serviceId: string) =>
        http.call("POST", `/api/v1/services/${enc(serviceId)}/webhook`, webhookInfo, { body: {} }),
    },

    builds: {
      /** Docker disk use of the build host; null when this control plane runs no builds. */
      disk: () => get("/api/v1/builds/disk", buildDiskUsage),
    },

    deployments: {
      get: (id: string) => get(`/api/v1/deployments/${enc(id)}`, deploymentDetail),
      cancel: (id: string) => http.call("POST", `/api/v1/deployments/${enc(id)}/cancel`, deployment, { body: {} }),
    },

    // Called with one object of path values, query and body, as the client derived from the route table takes them.
    issues: {
      list: ({ projectId, ...query }: { projectId: string } & Partial<ListIssuesQuery>) =>
        get(`/api/v1/projects/${enc(projectId)}/issues`, z.array(issueListItem), query),
      get: ({ issueId }: { issueId: string }) => get(`/api/v1/issues/${enc(issueId)}`, issueDetail),
      update: ({ issueId, ...body }: { issueId: string } & UpdateIssueBody) =>
        http.call("PATCH", `/api/v1/issues/${enc(issueId)}`, errorGroup, { body }),
      /** The same change to up to 100 issues, all or none. */
      bulkUpdate: (body: BulkUpdateIssuesBody) => http.call("PATCH", "/api/v1/issues", z.array(errorGroup), { body }),
      events: ({ issueId, ...query }: { issueId: string } & Partial<IssueEventsQuery>) =>
        get(`/api/v1/issues/${enc(issueId)}/events`, z.array(errorEventItem), query),
      histogram: ({ issueId, period }: { issueId: string; period?: IssueStatsPeriod }) =>
        get(`/api/v1/issues/${enc(issueId)}/histogram`, issueHistogram, { period }),
    },

    audit: {
      list: (query: Partial<z.output<typeof listAuditQuery>> = {}) =>
        get("/api/v1/audit-logs", z.array(auditEntry), query),
    },

    live: {
      /** URL of the organization's event stream, for EventSource (cookie auth). */
      eventsUrl: (query: LiveEventsQuery = {}) => http.baseUrl + withQuery("/api/v1/events", query),
      /** URL of a service's live log tail, for EventSource. */
      logStreamUrl: (serviceId: string, query: Partial<ServiceLogStreamQuery> = {}) =>
        http.baseUrl + withQuery(`/api/v1/services/${enc(serviceId)}/logs/stream`, query),
      /** URL of a deployment's build and deploy log stream, for EventSource (read events with parseDeploymentLogEvent). */
      deploymentLogUrl: (deploymentId: string) => `${http.baseUrl}/api/v1/deployments/${enc(deploymentId)}/logs/stream`,
      /** Reads the event stream with fetch (token auth, Node); resolves when it ends or `signal` aborts. */
      events: async (onEvent: (event: LiveEvent) => void, opts: LiveEventsQuery & { signal?: AbortSignal } = {}) => {
        const { signal, ...query } = opts;
        const res = await http.raw("GET", withQuery("/api/v1/events", query), { signal });
        if (res.body) await readSse(res.body, (m) => onEvent(liveEvent.parse(JSON.parse(m.data))), signal);
      },
      /** Reads a service's log stream with fetch; resolves when it ends or `signal` aborts. */
      logs: async (
        serviceId: string,
        onEvent: (event: LogStreamEvent) => void,
        opts: Partial<ServiceLogStreamQuery> & { signal?: AbortSignal } = {},
      ) => {
        const { signal, ...query } = opts;
        const path = withQuery(`/api/v1/services/${enc(serviceId)}/logs/stream`, query);
        const res = await http.raw("GET", path, { signal });
        if (res.body) await readSse(res.body, (m) => onEvent(logStreamEvent.parse(JSON.parse(m.data))), signal);
      },
      /**
       * Reads a deployment's build and deploy log from the start; resolves when the deployment is over (after
       * the `end` event) or `signal` aborts.
       */
      deploymentLogs: async (
        deploymentId: string,
        onEvent: (event: DeploymentLogStreamEvent) => void,
        opts: { signal?: AbortSignal } = {},
      ) => {
        const res = await http.raw("GET", `/api/v1/deployments/${enc(deploymentId)}/logs/stream`, opts);
        if (!res.body) return;
        await readSse(
          res.body,
          (m) => {
            const event = parseDeploymentLogEvent(m.event, m.data);
            if (event) onEvent(event);
          },
          opts.signal,
        );
      },
    },
  };
}

/** The API client's type, for code that receives one. */
export type ApiClient = ReturnType<typeof createApiClient>;
