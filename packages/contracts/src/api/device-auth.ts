import { z } from "zod";
import { isoTimestamp, uuid } from "../common";

// Signing in a device without a browser of its own (the CLI), shaped like OAuth's device authorization grant
// (RFC 8628): the device asks for a code pair, shows the user the short `user_code` and where to enter it, and
// polls with the long `device_code` until a signed-in user approves it in the dashboard. It then receives an API
// token of that user, once.

/**
 * The code a person types: 8 letters of an alphabet without vowels or look-alikes (RFC 8628 6.1), shown as
 * `BCDF-GHJK`. Accepted in any case, with or without the dash.
 */
export const userCode = z
  .string()
  .trim()
  .toUpperCase()
  .transform((code) => code.replaceAll("-", ""))
  .pipe(z.string().regex(/^[BCDFGHJKLMNPQRSTVWXZ]{8}$/, "expected a code like BCDF-GHJK"));

/** POST /auth/device/code: the device names itself; the dashboard shows the name to the person approving. */
export const deviceCodeBody = z.strictObject({ client_name: z.string().trim().min(1).max(100) });
export type DeviceCodeBody = z.infer<typeof deviceCodeBody>;

/** Answer to POST /auth/device/code (RFC 8628 3.2). */
export const deviceCodeGrant = z.object({
  /** Secret of the device: polls with it. */
  device_code: z.string(),
  /** What the person enters in the dashboard, `BCDF-GHJK`. */
  user_code: z.string(),
  /** The dashboard page where codes are entered. */
  verification_uri: z.string(),
  /** The same page with the code filled in. */
  verification_uri_complete: z.string(),
  /** Seconds until both codes expire. */
  expires_in: z.number().int().positive(),
  /** Seconds to wait between polls; polling faster answers SLOW_DOWN and adds 5. */
  interval: z.number().int().positive(),
});
export type DeviceCodeGrant = z.infer<typeof deviceCodeGrant>;

/** POST /auth/device/token: the device polls with its device code. */
export const deviceTokenBody = z.strictObject({ device_code: z.string().min(1).max(200) });

/**
 * Answer to POST /auth/device/token once approved: an API token (`syn_usr_`) of the approving user, shown this
 * once. It acts in any organization of the user (the `X-Syntra-Org` header picks one; the first otherwise).
 */
export const deviceTokenGrant = z.object({
  token: z.string(),
  token_id: uuid,
  user: z.object({ id: uuid, email: z.string(), name: z.string().nullable() }),
});
export type DeviceTokenGrant = z.infer<typeof deviceTokenGrant>;

/** Where a device login stands. */
export const deviceAuthorizationStatus = z.enum(["pending", "approved", "denied", "used", "expired"]);

/** A pending device login as the dashboard shows it to the person asked to approve it. */
export const deviceAuthorization = z.object({
  user_code: z.string(),
  client_name: z.string(),
  /** The address the device asked from, so the person can tell whether it is theirs. */
  client_ip: z.string().nullable(),
  status: deviceAuthorizationStatus,
  created_at: isoTimestamp,
  expires_at: isoTimestamp,
});
export type DeviceAuthorization = z.infer<typeof deviceAuthorization>;

/** GET /auth/device/:userCode path. */
export const userCodeParams = z.strictObject({ userCode: z.string().min(1).max(20) });

/** POST /auth/device/approve and /deny. */
export const deviceDecisionBody = z.strictObject({ user_code: userCode });
