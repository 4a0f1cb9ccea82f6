import { pgEnum } from "drizzle-orm/pg-core";

// Enum values exactly as in interface contracts section 3.1.
export const userPlan = pgEnum("user_plan", ["free", "pro", "team", "enterprise"]);
export const orgRole = pgEnum("org_role", ["owner", "admin", "developer", "viewer"]);
export const serverStatus = pgEnum("server_status", ["online", "offline", "updating", "error"]);
export const serverRuntime = pgEnum("server_runtime", ["docker", "kubernetes"]);
export const serviceType = pgEnum("service_type", ["app", "database", "worker", "cron"]);
export const sourceType = pgEnum("source_type", ["dockerfile", "nixpacks", "image", "docker_compose"]);
export const deploymentStatus = pgEnum("deployment_status", [
  "queued",
  "building",
  "pushing",
  "deploying",
  "running",
  "failed",
  "rolled_back",
  "cancelled",
]);
export const triggerType = pgEnum("trigger_type", ["manual", "git_push", "workflow", "rollback", "api", "schedule"]);
export const issueStatus = pgEnum("issue_status", ["unresolved", "resolved", "ignored", "regressed"]);
export const issueSeverity = pgEnum("issue_severity", ["critical", "high", "medium", "low"]);
export const alertType = pgEnum("alert_type", ["error_rate", "latency", "downtime", "anomaly", "custom"]);
export const alertStatus = pgEnum("alert_status", ["firing", "resolved", "acknowledged"]);
