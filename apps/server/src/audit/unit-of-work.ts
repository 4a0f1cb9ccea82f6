import type { Db } from "../db/client";
import { type AuditActor, type AuditClient, type AuditRecord, recordAudit, type SystemComponent } from "./audit-log";

/** What a change adds to its audit entry: the resource touched and safe details. */
export interface AuditNote {
  resourceId?: string | null;
  details?: Record<string, unknown>;
  /** For changes that create or switch the organization (sign-up), which org the entry belongs to. */
  orgId?: string;
  /** For calls made before the caller is known (sign-up, login), who it was: the entry's actor is that user. */
  userId?: string;
}

/** Adds to the audit entry of the change being written. */
export type AuditNoter = (note: AuditNote) => void;

/**
 * Runs the database writes of one change and stores its audit entry in the same transaction: both are kept, or
 * neither (a failing write, a failing audit insert, a throw in between all roll back everything).
 *
 * The rule for `write`, which runs inside a held transaction:
 * - Use `tx` for every query, never `deps.db`. The embedded store (PGlite) has one connection: a query on
 *   `deps.db` waits for this transaction to end, which waits for that query, forever. Functions called inside take
 *   the transaction as their `db` (and the parts of `AppDeps` they need, without `db`).
 * - Database work only: no agent round trips, no DNS, mail or other network, no password hashing. Do that before
 *   (checks, hashes) or after (telling the agent, publishing live events) the unit of work. A transaction held
 *   for seconds would stall every other request on PGlite.
 * - Note the entry's resource and details with `audit` inside `write`, once they are known.
 */
export type UnitOfWork = <T>(write: (tx: Db, audit: AuditNoter) => Promise<T>) => Promise<T>;

/** The audit entry being put together while its change runs: what is known up front, plus what the change notes. */
export class AuditDraft {
  private note: AuditNote = {};
  private recorded = false;
  private workStarted = false;

  constructor(
    private readonly base: {
      action: string;
      resourceType: string;
      /** Who acts; null when only the change can tell (the user a sign-up creates notes `userId`). */
      actor: AuditActor | null;
      /** The organization the caller acts in, unless the change notes another. */
      orgId?: string | null;
      client?: AuditClient;
    },
  ) {}

  /** Adds a note; the entry is already stored once its unit of work has committed, so later notes are a bug. */
  add(note: AuditNote): void {
    if (this.recorded) throw new Error(`${this.base.action}: audit note added after the entry was stored`);
    this.note = { ...this.note, ...note, details: { ...this.note.details, ...note.details } };
  }

  /** Whether a unit of work has run for this entry (committed with it, or rolled back: either way it is settled). */
  get started(): boolean {
    return this.workStarted;
  }

  /** Marks the unit of work of this entry as begun; it runs once. */
  begin(): void {
    if (this.workStarted) throw new Error(`${this.base.action}: a second change in one audited call`);
    this.workStarted = true;
  }

  /**
   * Stores the entry with `db` (the change's transaction). Nothing is stored without an organization: a caller
   * with none has nothing to record, and Syntra's own work notes the organization only when its change found
   * something to change (a build already cancelled elsewhere is left alone, unrecorded).
   */
  async record(db: Db): Promise<void> {
    if (this.recorded) throw new Error(`${this.base.action}: audit entry stored twice`);
    const entry = this.entry();
    if (entry) await recordAudit(db, entry);
    this.recorded = true;
  }

  private entry(): AuditRecord | null {
    const orgId = this.note.orgId ?? this.base.orgId;
    if (!orgId) return null;
    const actor: AuditActor | null = this.note.userId ? { type: "user", userId: this.note.userId } : this.base.actor;
    if (!actor) throw new Error(`${this.base.action}: audited change without an actor`);
    return {
      orgId,
      actor,
      action: this.base.action,
      resourceType: this.base.resourceType,
      resourceId: this.note.resourceId ?? null,
      details: this.note.details ?? null,
      ...(this.base.client && { client: this.base.client }),
    };
  }
}

/**
 * A unit of work that stores `draft` with the change. It runs once: the entry describes one change, so a second
 * change in the same call is a bug (split the call, or make both writes one unit of work).
 */
export function auditedWork(db: Db, draft: AuditDraft): UnitOfWork {
  return (write) => {
    draft.begin();
    return db.transaction(async (tx) => {
      const result = await write(tx, (note) => draft.add(note));
      await draft.record(tx);
      return result;
    });
  };
}

/** A unit of work that stores no audit entry (reads, and Syntra's routine bookkeeping such as periodic checks). */
export function plainWork(db: Db): UnitOfWork {
  return (write) => db.transaction((tx) => write(tx, () => {}));
}

/**
 * Units of work for Syntra's own work (no request, no user): each change run through it gets its own entry, whose
 * actor is the named component, with `note` (what the component knows up front) and what the change notes.
 */
export function systemWork(
  db: Db,
  component: SystemComponent,
  action: { action: string; resourceType: string },
  note: AuditNote = {},
): UnitOfWork {
  return (write) => {
    const draft = new AuditDraft({ ...action, actor: { type: "system", component } });
    draft.add(note);
    return auditedWork(db, draft)(write);
  };
}
