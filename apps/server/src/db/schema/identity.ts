import { sql } from "drizzle-orm";
import { bigint, boolean, index, inet, pgTable, primaryKey, text, uuid, varchar } from "drizzle-orm/pg-core";
import { idColumn, tstz } from "./columns";
import { orgRole, userPlan } from "./enums";
import { projects } from "./infrastructure";

export const users = pgTable("users", {
  id: idColumn(),
  email: varchar("email", { length: 255 }).notNull().unique(),
  name: varchar("name", { length: 255 }),
  avatarUrl: text("avatar_url"),
  plan: userPlan("plan").default("free"),
  stripeCustomerId: varchar("stripe_customer_id", { length: 255 }),
  emailVerifiedAt: tstz("email_verified_at"),
  passwordHash: text("password_hash"),
  createdAt: tstz("created_at").default(sql`now()`),
  updatedAt: tstz("updated_at").default(sql`now()`),
});

export const organizations = pgTable("organizations", {
  id: idColumn(),
  name: varchar("name", { length: 255 }).notNull(),
  slug: varchar("slug", { length: 100 }).notNull().unique(),
  ownerId: uuid("owner_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  plan: userPlan("plan").default("free"),
  stripeSubscriptionId: varchar("stripe_subscription_id", { length: 255 }),
  createdAt: tstz("created_at").default(sql`now()`),
  updatedAt: tstz("updated_at").default(sql`now()`),
  // Migration 0018: replace email addresses in what is sent to AI providers.
  aiRedactEmails: boolean("ai_redact_emails").notNull().default(true),
  // Migration 0026: the daily token budget (NULL: SYNTRA_AI_DAILY_TOKENS) and the background analysis switch.
  aiDailyTokenBudget: bigint("ai_daily_token_budget", { mode: "number" }),
  aiAutoAnalyze: boolean("ai_auto_analyze").notNull().default(true),
});

export const orgMembers = pgTable(
  "org_members",
  {
    // NOT NULL through the composite primary key.
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: orgRole("role").notNull().default("developer"),
    invitedBy: uuid("invited_by").references(() => users.id),
    invitedAt: tstz("invited_at").default(sql`now()`),
    acceptedAt: tstz("accepted_at"),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.userId] })],
);

export const sessions = pgTable(
  "sessions",
  {
    id: idColumn(),
    tokenHash: varchar("token_hash", { length: 64 }).notNull().unique(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    orgId: uuid("org_id").references(() => organizations.id, { onDelete: "set null" }),
    ipAddress: inet("ip_address"),
    userAgent: text("user_agent"),
    createdAt: tstz("created_at").notNull().default(sql`now()`),
    lastSeenAt: tstz("last_seen_at").notNull().default(sql`now()`),
    expiresAt: tstz("expires_at").notNull(),
  },
  (t) => [index("idx_sessions_user").on(t.userId)],
);

export const invitations = pgTable(
  "invitations",
  {
    id: idColumn(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    email: varchar("email", { length: 255 }).notNull(),
    role: orgRole("role").notNull().default("developer"),
    tokenHash: varchar("token_hash", { length: 64 }).notNull().unique(),
    invitedBy: uuid("invited_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: tstz("created_at").notNull().default(sql`now()`),
    expiresAt: tstz("expires_at").notNull(),
    acceptedAt: tstz("accepted_at"),
    acceptedBy: uuid("accepted_by").references(() => users.id, { onDelete: "set null" }),
  },
  (t) => [index("idx_invitations_org").on(t.orgId)],
);

export const oauthAccounts = pgTable(
  "oauth_accounts",
  {
    provider: varchar("provider", { length: 50 }).notNull(),
    providerUserId: varchar("provider_user_id", { length: 100 }).notNull(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    login: varchar("login", { length: 255 }),
    createdAt: tstz("created_at").notNull().default(sql`now()`),
  },
  (t) => [primaryKey({ columns: [t.provider, t.providerUserId] }), index("idx_oauth_accounts_user").on(t.userId)],
);

export const apiTokens = pgTable(
  "api_tokens",
  {
    id: idColumn(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    orgId: uuid("org_id").references(() => organizations.id, { onDelete: "cascade" }),
    name: varchar("name", { length: 255 }).notNull(),
    tokenHash: varchar("token_hash", { length: 64 }).notNull(),
    tokenPrefix: varchar("token_prefix", { length: 20 }).notNull(),
    scopes: text("scopes").array().default(sql`'{}'`),
    lastUsedAt: tstz("last_used_at"),
    expiresAt: tstz("expires_at"),
    createdAt: tstz("created_at").default(sql`now()`),
    tokenType: varchar("token_type", { length: 3 }).notNull().default("usr"),
    projectId: uuid("project_id").references(() => projects.id, { onDelete: "cascade" }),
  },
  (t) => [index("idx_api_tokens_hash").on(t.tokenHash)],
);
