import { eq } from "drizzle-orm";
import { organizations } from "../db/schema";
import type { AppDeps } from "../deps";
import type { Notification } from "./notifiers/types";

/** The "send test notification" message: says who asked, links to the alerts page. */
export async function testNotification(
  deps: Pick<AppDeps, "db" | "config">,
  orgId: string,
  user: { email: string; name: string | null },
  now: Date,
): Promise<Notification> {
  const [org] = await deps.db
    .select({ name: organizations.name })
    .from(organizations)
    .where(eq(organizations.id, orgId));
  return {
    kind: "test",
    incident_id: null,
    org_name: org?.name ?? "",
    rule: null,
    severity: "info",
    title: "Test notification from Syntra",
    message: `${user.name || user.email} sent this to check the channel. Alerts will arrive here like this.`,
    labels: {},
    value: null,
    fired_at: now.toISOString(),
    resolved_at: null,
    actor: user.name || user.email,
    url: `${deps.config.publicUrl}/alerts`,
  };
}
