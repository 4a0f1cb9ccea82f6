import type { AlertChannelType } from "@syntra/contracts";
import { discordNotifier } from "./discord";
import { emailNotifier } from "./email";
import { pagerDutyNotifier } from "./pagerduty";
import { slackNotifier } from "./slack";
import type { Notifier } from "./types";
import { webhookNotifier } from "./webhook";

/** The notifier of each channel type. */
export const notifiers: Record<AlertChannelType, Notifier> = {
  slack: slackNotifier,
  discord: discordNotifier,
  pagerduty: pagerDutyNotifier,
  email: emailNotifier,
  webhook: webhookNotifier,
};
