// The Drizzle mirror of the SQL migrations in ../migrations; schema.test.ts checks they agree.
export * from "./agent-authority";
export * from "./ai";
export * from "./alerting";
export * from "./device-authorizations";
export * from "./domains";
export * from "./enums";
export * from "./identity";
export * from "./infrastructure";
export * from "./observability";
export * from "./operations";
export * from "./password-resets";
export * from "./service-removals";
