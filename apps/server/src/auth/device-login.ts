import { randomInt } from "node:crypto";
import {
  type DeviceAuthorization,
  type DeviceCodeGrant,
  type DeviceTokenGrant,
  userCode as userCodeSchema,
} from "@syntra/contracts";
import { and, count, eq, gt, lt, sql } from "drizzle-orm";
import type { UnitOfWork } from "../audit/unit-of-work";
import { deviceAuthorizations, users } from "../db/schema";
import type { AppDeps } from "../deps";
import { AppError, isUniqueViolation, notFound } from "../errors";
import { createAccountToken } from "./api-tokens";
import { randomBase62, sha256Hex } from "./random";

/** How long a code pair can be approved and polled (RFC 8628 suggests minutes). */
const TTL_SECONDS = 600;
/** RFC 8628 3.5: each slow_down adds 5 seconds to the interval. */
const SLOW_DOWN_SECONDS = 5;
/** Device logins one client address may have waiting at once (each is a row until it expires). */
const MAX_PENDING_PER_ADDRESS = 20;
// Twenty consonants without look-alikes (RFC 8628 6.1): 20^8 codes, typed from a phone or another screen.
const ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";

type Row = typeof deviceAuthorizations.$inferSelect;

/** `BCDFGHJK` as people read it: `BCDF-GHJK`. */
const shown = (code: string) => `${code.slice(0, 4)}-${code.slice(4)}`;

function newUserCode(): string {
  return Array.from({ length: 8 }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
}

/** Starts a device login: a code pair, valid for 10 minutes. */
export async function startDeviceLogin(
  deps: AppDeps,
  client: { name: string; ip: string | null },
): Promise<DeviceCodeGrant> {
  const now = deps.now();
  // Old rows go as new ones come: the table holds the last day's logins at most.
  await deps.db
    .delete(deviceAuthorizations)
    .where(lt(deviceAuthorizations.expiresAt, new Date(now.getTime() - 86_400_000)));
  if (client.ip) {
    const [waiting] = await deps.db
      .select({ n: count() })
      .from(deviceAuthorizations)
      .where(
        and(
          eq(deviceAuthorizations.clientIp, client.ip),
          eq(deviceAuthorizations.status, "pending"),
          gt(deviceAuthorizations.expiresAt, now),
        ),
      );
    if ((waiting?.n ?? 0) >= MAX_PENDING_PER_ADDRESS) {
      throw new AppError(
        "RATE_LIMITED",
        "Too many device logins are waiting from this address; try again later",
        undefined,
        {
          "retry-after": String(TTL_SECONDS),
        },
      );
    }
  }
  const deviceCode = randomBase62(43);
  const interval = deps.config.devicePollSeconds;
  for (let attempt = 0; ; attempt++) {
    const code = newUserCode();
    try {
      await deps.db.insert(deviceAuthorizations).values({
        deviceCodeHash: sha256Hex(deviceCode),
        userCode: code,
        clientName: client.name,
        clientIp: client.ip?.slice(0, 64) ?? null,
        intervalSeconds: interval,
        createdAt: now,
        expiresAt: new Date(now.getTime() + TTL_SECONDS * 1000),
      });
    } catch (err) {
      // Another pending login drew the same user code: draw again.
      if (attempt < 5 && isUniqueViolation(err)) continue;
      throw err;
    }
    const page = `${deps.config.publicUrl}/device`;
    return {
      device_code: deviceCode,
      user_code: shown(code),
      verification_uri: page,
      verification_uri_complete: `${page}?code=${shown(code)}`,
      expires_in: TTL_SECONDS,
      interval,
    };
  }
}

/**
 * One poll of the device: the API token once the login is approved (exactly once: the row is marked used in the
 * same statement that claims it), or the RFC's answer as an error: AUTHORIZATION_PENDING, SLOW_DOWN (polled
 * sooner than its interval, which grows by 5 s), ACCESS_DENIED, DEVICE_CODE_EXPIRED.
 */
export async function pollDeviceLogin(
  deps: AppDeps,
  deviceCode: string,
  change: UnitOfWork,
): Promise<DeviceTokenGrant> {
  const now = deps.now();
  const [row] = await deps.db
    .select()
    .from(deviceAuthorizations)
    .where(eq(deviceAuthorizations.deviceCodeHash, sha256Hex(deviceCode)))
    .limit(1);
  if (!row || row.status === "used" || row.expiresAt <= now) {
    throw new AppError("DEVICE_CODE_EXPIRED", "This device login expired or was already used; run the login again");
  }
  if (row.status === "denied") throw new AppError("ACCESS_DENIED", "The device login was refused");
  // Half a second of slack: a poll that waited its interval can still arrive a little early after a slow answer.
  if (row.lastPolledAt && now.getTime() - row.lastPolledAt.getTime() < row.intervalSeconds * 1000 - 500) {
    const interval = row.intervalSeconds + SLOW_DOWN_SECONDS;
    await deps.db
      .update(deviceAuthorizations)
      .set({ intervalSeconds: interval, lastPolledAt: now })
      .where(eq(deviceAuthorizations.id, row.id));
    throw new AppError("SLOW_DOWN", `Polling too often; wait ${interval} seconds between polls`, { interval });
  }
  await deps.db.update(deviceAuthorizations).set({ lastPolledAt: now }).where(eq(deviceAuthorizations.id, row.id));
  if (row.status === "pending") {
    throw new AppError("AUTHORIZATION_PENDING", `Waiting for the code ${shown(row.userCode)} to be approved`);
  }
  // The claim, the token and its audit entry are one unit of work: a token is handed out and recorded, or neither.
  return change(async (tx, audit) => {
    const [claimed] = await tx
      .update(deviceAuthorizations)
      .set({ status: "used" })
      .where(and(eq(deviceAuthorizations.id, row.id), eq(deviceAuthorizations.status, "approved")))
      .returning();
    if (!claimed?.userId) {
      throw new AppError("DEVICE_CODE_EXPIRED", "This device login was already used; run the login again");
    }
    const [user] = await tx.select().from(users).where(eq(users.id, claimed.userId)).limit(1);
    if (!user) throw new AppError("DEVICE_CODE_EXPIRED", "The approving account no longer exists");
    const token = await createAccountToken(tx, user.id, `syn CLI: ${claimed.clientName}`.slice(0, 255));
    audit({ resourceId: token.id, userId: user.id, ...(claimed.orgId && { orgId: claimed.orgId }) });
    return { token: token.token, token_id: token.id, user: { id: user.id, email: user.email, name: user.name } };
  });
}

function describe(row: Row, now: Date): DeviceAuthorization {
  const expired = row.status === "pending" && row.expiresAt <= now;
  return {
    user_code: shown(row.userCode),
    client_name: row.clientName,
    client_ip: row.clientIp,
    status: expired ? "expired" : (row.status as DeviceAuthorization["status"]),
    created_at: row.createdAt.toISOString(),
    expires_at: row.expiresAt.toISOString(),
  };
}

/** The newest device login with this user code (typed by a person: any case, dash or not). */
async function findByUserCode(deps: AppDeps, typed: string): Promise<Row> {
  const parsed = userCodeSchema.safeParse(typed);
  if (!parsed.success) throw notFound("Device login");
  const [row] = await deps.db
    .select()
    .from(deviceAuthorizations)
    .where(eq(deviceAuthorizations.userCode, parsed.data))
    .orderBy(sql`${deviceAuthorizations.createdAt} DESC`)
    .limit(1);
  if (!row) throw notFound("Device login");
  return row;
}

/** A device login for the dashboard's approval dialog. */
export async function getDeviceLogin(deps: AppDeps, userCode: string): Promise<DeviceAuthorization> {
  return describe(await findByUserCode(deps, userCode), deps.now());
}

/**
 * Approves or refuses a pending device login as the signed-in user. Only a browser session may: an API token that
 * could approve logins could mint tokens, which tokens may not.
 */
export async function decideDeviceLogin(
  deps: AppDeps,
  caller: { userId: string; orgId: string | null; method: "session" | "token" },
  userCode: string,
  decision: "approved" | "denied",
  change: UnitOfWork,
): Promise<DeviceAuthorization> {
  if (caller.method !== "session") {
    throw new AppError("FORBIDDEN", "Device logins are approved in the dashboard, signed in; an API token cannot");
  }
  const row = await findByUserCode(deps, userCode);
  const now = deps.now();
  if (row.status === "pending" && row.expiresAt <= now) {
    throw new AppError("DEVICE_CODE_EXPIRED", "This code expired; run the login on the device again");
  }
  return change(async (tx, audit) => {
    const [decided] = await tx
      .update(deviceAuthorizations)
      .set({ status: decision, userId: caller.userId, orgId: caller.orgId, decidedAt: now })
      .where(and(eq(deviceAuthorizations.id, row.id), eq(deviceAuthorizations.status, "pending")))
      .returning();
    if (!decided) throw new AppError("UNPROCESSABLE", `This device login was already ${row.status}`);
    audit({ resourceId: decided.id, details: { client_name: decided.clientName, client_ip: decided.clientIp } });
    return describe(decided, now);
  });
}
