import { AsyncLocalStorage } from "node:async_hooks";
import { carrier } from "../core/api";
import type { Scope, ScopeManager } from "../core/scope";

const ASYNC = Symbol.for("syntra.sdk.async-scopes");

/** Scopes that follow async context: a scope given to run() is current in everything fn starts. */
class AsyncScopeManager implements ScopeManager {
  readonly [ASYNC] = true;
  private readonly storage = new AsyncLocalStorage<Scope>();

  constructor(private readonly root: Scope) {}

  current(): Scope {
    return this.storage.getStore() ?? this.root;
  }

  run<T>(scope: Scope, fn: () => T): T {
    return this.storage.run(scope, fn);
  }

  enter(scope: Scope): void {
    this.storage.enterWith(scope);
  }
}

/**
 * Makes `scope` current for the rest of the running code and what it starts (an HTTP request's handlers, which Node
 * calls right after the diagnostics channel that announces the request).
 */
export function enterScope(scope: Scope): void {
  const scopes = carrier().scopes as Partial<AsyncScopeManager>;
  scopes.enter?.(scope);
}

/** Makes the shared scopes follow async context (once per process, whichever copy of the SDK loads first). */
export function installAsyncScopes(): void {
  const c = carrier();
  if ((c.scopes as Partial<Record<typeof ASYNC, boolean>>)[ASYNC]) return;
  c.scopes = new AsyncScopeManager(c.root);
}
