import type { Client } from "./client";
import { Scope, type ScopeManager, StackScopeManager } from "./scope";
import type { TransportStats } from "./transport";
import type { BreadcrumbInput, CaptureHint, Level } from "./types";

/**
 * The SDK's state lives on globalThis under a registered symbol, so that copies of the SDK loaded twice (the ESM and
 * the CJS build in one process, or two bundles on one page) share one client and one set of scopes.
 */
interface Carrier {
  client?: Client;
  root: Scope;
  scopes: ScopeManager;
}

const KEY = Symbol.for("syntra.sdk.carrier");

/** The shared state, made on first use with a synchronous scope stack (Node replaces it with AsyncLocalStorage). */
export function carrier(): Carrier {
  const g = globalThis as { [KEY]?: Carrier };
  if (!g[KEY]) {
    const root = new Scope();
    g[KEY] = { root, scopes: new StackScopeManager(root) };
  }
  return g[KEY];
}

/** The client init() made, if any. */
export function getClient(): Client | undefined {
  return carrier().client;
}

/** Reports an exception; returns the event's id. Safe to call before init() (then nothing is sent). */
export function captureException(error: unknown, hint?: CaptureHint): string {
  return getClient()?.captureException(error, hint) ?? "";
}

/** Reports a message as an event of its own (level "info" unless given). */
export function captureMessage(message: string, level?: Level, hint?: CaptureHint): string {
  return getClient()?.captureMessage(message, level, hint) ?? "";
}

/** The scope of the code running now. */
export function getCurrentScope(): Scope {
  return carrier().scopes.current();
}

/** Adds a breadcrumb to the current scope. */
export function addBreadcrumb(crumb: BreadcrumbInput): void {
  const client = getClient();
  if (client) client.addBreadcrumb(crumb);
}

/** Sets the user of the current scope (null clears it). */
export function setUser(user: { id?: string | number; email?: string } | null): void {
  getCurrentScope().setUser(user);
}

/** Sets a tag on the current scope: tags are searchable and counted per value. */
export function setTag(key: string, value: string | number | boolean): void {
  getCurrentScope().setTag(key, value);
}

/** Sets several tags. */
export function setTags(tags: Record<string, string | number | boolean>): void {
  for (const [k, v] of Object.entries(tags)) setTag(k, v);
}

/** Sets extra data on the current scope (any JSON-like value). */
export function setExtra(key: string, value: unknown): void {
  getCurrentScope().setExtra(key, value);
}

/** Sets several extras. */
export function setExtras(extras: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(extras)) setExtra(k, v);
}

/**
 * Runs fn in a scope of its own, starting as a copy of the current one: what fn sets stays inside. On Node the scope
 * follows fn's asynchronous work (promises, timers, callbacks); in browsers it is current while fn runs.
 */
export function withScope<T>(fn: (scope: Scope) => T): T {
  const { scopes } = carrier();
  const scope = scopes.current().fork();
  return scopes.run(scope, () => fn(scope));
}

/** The id of the last event captured. */
export function lastEventId(): string | undefined {
  return getClient()?.lastEventId();
}

/** Events sent and dropped so far, by reason. */
export function getStats(): TransportStats | undefined {
  return getClient()?.stats();
}

/** Waits until queued events are sent, at most `timeoutMs` (default: the shutdownTimeout option). */
export function flush(timeoutMs?: number): Promise<boolean> {
  return getClient()?.flush(timeoutMs) ?? Promise.resolve(true);
}

/** Flushes, undoes every integration and forgets the client; init() may run again afterwards. */
export async function close(timeoutMs?: number): Promise<boolean> {
  const c = carrier();
  const client = c.client;
  if (!client) return true;
  c.client = undefined;
  return client.close(timeoutMs);
}

/** The runtime-independent part of the `Syntra` object; each runtime adds `init` and its own calls. */
export const coreApi = {
  captureException,
  captureMessage,
  addBreadcrumb,
  setUser,
  setTag,
  setTags,
  setExtra,
  setExtras,
  withScope,
  getCurrentScope,
  flush,
  close,
  lastEventId,
  getStats,
  getClient,
};
