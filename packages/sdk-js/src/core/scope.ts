import type { Breadcrumb, Level, RequestData, User } from "./types";

/**
 * What the app has said about the current unit of work (the whole process, a request, a job): the user, tags,
 * extra data, the breadcrumbs so far and the request. Events take a copy of it when they are captured.
 */
export class Scope {
  user: User | undefined;
  tags: Record<string, string> = {};
  extra: Record<string, unknown> = {};
  breadcrumbs: Breadcrumb[] = [];
  fingerprint: string[] | undefined;
  level: Level | undefined;
  request: RequestData | undefined;

  constructor(private maxBreadcrumbs = 100) {}

  /** Changes how many breadcrumbs this scope keeps (init's maxBreadcrumbs). */
  setMaxBreadcrumbs(max: number): void {
    this.maxBreadcrumbs = max;
    if (this.breadcrumbs.length > max) this.breadcrumbs.splice(0, this.breadcrumbs.length - max);
  }

  /** A scope that starts as a copy of this one; changes to either stay apart. */
  fork(): Scope {
    const child = new Scope(this.maxBreadcrumbs);
    child.user = this.user ? { ...this.user } : undefined;
    child.tags = { ...this.tags };
    child.extra = { ...this.extra };
    child.breadcrumbs = this.breadcrumbs.slice();
    child.fingerprint = this.fingerprint?.slice();
    child.level = this.level;
    child.request = this.request ? { ...this.request } : undefined;
    return child;
  }

  /** Sets or (with null) clears the user. An id is needed: it is what users are counted by. */
  setUser(user: { id?: string | number; email?: string } | null): void {
    if (user === null) {
      this.user = undefined;
      return;
    }
    const id = user.id !== undefined ? String(user.id) : user.email;
    if (!id) return;
    this.user = { id, ...(user.email && EMAIL.test(user.email) && { email: user.email }) };
  }

  setTag(key: string, value: string | number | boolean): void {
    this.tags[key] = String(value);
  }

  setExtra(key: string, value: unknown): void {
    this.extra[key] = value;
  }

  /** Keeps the newest `maxBreadcrumbs` breadcrumbs. */
  addBreadcrumb(crumb: Breadcrumb): void {
    if (this.maxBreadcrumbs === 0) return;
    this.breadcrumbs.push(crumb);
    if (this.breadcrumbs.length > this.maxBreadcrumbs) this.breadcrumbs.shift();
  }

  /** Forgets everything set on this scope. */
  clear(): void {
    this.user = undefined;
    this.tags = {};
    this.extra = {};
    this.breadcrumbs = [];
    this.fingerprint = undefined;
    this.level = undefined;
    this.request = undefined;
  }
}

// The contract checks emails; one it would refuse must not make the whole batch fail.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Where the current scope comes from: AsyncLocalStorage on Node, a stack in browsers. */
export interface ScopeManager {
  /** The scope of the code running now (the process-wide scope outside any withScope). */
  current(): Scope;
  /** Runs fn with `scope` as the current scope (for fn and, on Node, everything it starts asynchronously). */
  run<T>(scope: Scope, fn: () => T): T;
}

/**
 * A scope stack for runtimes without async context (browsers): withScope's scope is current while its callback
 * runs synchronously, as in Sentry's browser SDK.
 */
export class StackScopeManager implements ScopeManager {
  private readonly stack: Scope[];

  constructor(root: Scope) {
    this.stack = [root];
  }

  current(): Scope {
    return this.stack[this.stack.length - 1] as Scope;
  }

  run<T>(scope: Scope, fn: () => T): T {
    this.stack.push(scope);
    try {
      return fn();
    } finally {
      this.stack.pop();
    }
  }
}
