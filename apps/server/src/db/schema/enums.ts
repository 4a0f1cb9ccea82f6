import {
  alertTypes,
  deploymentRecordStatuses,
  issueSeverities,
  issueStatuses,
  orgRoles,
  sourceTypes,
  triggerTypes,
} from "@syntra/contracts";
import { pgEnum } from "drizzle-orm/pg-core";

// Enum values exactly as in interface contracts section 3.1; where the API exposes one, its tuple is the source.
export const userPlan = pgEnum("user_plan", ["free", "pro", "team", "enterprise"]);
export const orgRole = pgEnum("org_role", orgRoles);
export const serverStatus = pgEnum("server_status", ["online", "offline", "updating", "error"]);
export const serverRuntime = pgEnum("server_runtime", ["docker", "kubernetes"]);
export const serviceType = pgEnum("service_type", ["app", "database", "worker", "cron"]);
export const sourceType = pgEnum("source_type", sourceTypes);
export const deploymentStatus = pgEnum("deployment_status", deploymentRecordStatuses);
export const triggerType = pgEnum("trigger_type", triggerTypes);
export const issueStatus = pgEnum("issue_status", issueStatuses);
export const issueSeverity = pgEnum("issue_severity", issueSeverities);
// `event` added by migration 0017.
export const alertType = pgEnum("alert_type", alertTypes);
export const alertStatus = pgEnum("alert_status", ["firing", "resolved", "acknowledged"]);
