import type { FastifyReply } from "fastify";
import type { AppDeps } from "../deps";
import { SESSION_COOKIE } from "./sessions";

/** Sets the httpOnly session cookie; Secure when the public URL is https. */
export function setSessionCookie(deps: AppDeps, reply: FastifyReply, token: string, expiresAt: Date): void {
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "lax",
    secure: deps.config.publicUrl.startsWith("https://"),
    path: "/",
    expires: expiresAt,
  });
}

/** Removes the session cookie from the browser. */
export function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: "/" });
}
