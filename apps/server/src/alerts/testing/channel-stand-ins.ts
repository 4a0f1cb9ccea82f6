import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

/** One request a stand-in accepted (or refused), with its parsed body. */
export interface Received {
  path: string;
  // biome-ignore lint/suspicious/noExplicitAny: bodies of other services' wire formats
  body: any;
  headers: http.IncomingHttpHeaders;
  status: number;
}

/**
 * Local servers speaking the wire formats of the services Syntra notifies, for tests (they cannot be reached from
 * here): a Slack incoming-webhook stand-in, a Discord webhook stand-in and a PagerDuty Events API v2 stand-in, each
 * refusing what the real service refuses (its documented limits and required fields), and a webhook receiver that
 * verifies the Standard Webhooks signature with the reference `standardwebhooks` library.
 */
export interface ChannelStandIns {
  url: string;
  /** Slack stand-in webhook URL (a path shaped like hooks.slack.com/services/T…/B…/…). */
  slackUrl: string;
  discordUrl: string;
  pagerDutyUrl: string;
  webhookUrl: string;
  /** The signing secret the webhook receiver verifies with. */
  webhookSecret: string;
  /** Accepted requests per service, oldest first. */
  accepted(service: "slack" | "discord" | "pagerduty" | "webhook"): Received[];
  /** Every request, accepted or not. */
  all: Received[];
  /** The next `n` requests to the service are answered with this status (and body). */
  failNext(service: "slack" | "discord" | "pagerduty" | "webhook", n: number, status: number, body?: string): void;
  close(): Promise<void>;
}

type Service = "slack" | "discord" | "pagerduty" | "webhook";

function slackProblems(body: Record<string, unknown>): string | null {
  const blocks = body.blocks as Array<Record<string, unknown>> | undefined;
  if (typeof body.text !== "string" && !blocks) return "no_text";
  if (typeof body.text === "string" && body.text.length > 40_000) return "msg_too_long";
  if (!blocks) return null;
  if (blocks.length > 50) return "invalid_blocks";
  for (const b of blocks) {
    const text = b.text as { text?: string } | undefined;
    if (b.type === "header" && (text?.text?.length ?? 0) > 150) return "invalid_blocks";
    if (b.type === "section") {
      if ((text?.text?.length ?? 0) > 3000) return "invalid_blocks";
      const fields = (b.fields as Array<{ text: string }> | undefined) ?? [];
      if (fields.length > 10 || fields.some((f) => f.text.length > 2000)) return "invalid_blocks";
    }
  }
  return null;
}

function discordProblems(body: Record<string, unknown>): string | null {
  if (typeof body.content === "string" && body.content.length > 2000)
    return "content: Must be 2000 or fewer in length.";
  const embeds = (body.embeds as Array<Record<string, unknown>> | undefined) ?? [];
  if (!body.content && embeds.length === 0) return "Cannot send an empty message";
  for (const e of embeds) {
    const fields = (e.fields as Array<{ name: string; value: string }> | undefined) ?? [];
    const footer = (e.footer as { text?: string } | undefined)?.text ?? "";
    const title = String(e.title ?? "");
    const description = String(e.description ?? "");
    if (title.length > 256 || description.length > 4096 || fields.length > 25) return "embeds: invalid";
    if (fields.some((f) => f.name.length > 256 || f.value.length > 1024)) return "embeds.fields: invalid";
    const total =
      title.length +
      description.length +
      footer.length +
      fields.reduce((s, f) => s + f.name.length + f.value.length, 0);
    if (total > 6000) return "embeds: Embed size exceeds maximum size of 6000";
  }
  return null;
}

function pagerDutyProblems(body: Record<string, unknown>): string[] {
  const errors: string[] = [];
  if (typeof body.routing_key !== "string" || body.routing_key.length !== 32) errors.push("'routing_key' is invalid");
  if (!["trigger", "acknowledge", "resolve"].includes(String(body.event_action)))
    errors.push("'event_action' is invalid");
  if (body.dedup_key !== undefined && String(body.dedup_key).length > 255) errors.push("'dedup_key' is too long");
  if (body.event_action === "trigger") {
    const p = body.payload as Record<string, unknown> | undefined;
    if (!p) errors.push("'payload' is missing");
    else {
      if (typeof p.summary !== "string" || p.summary.length === 0 || p.summary.length > 1024)
        errors.push("'payload.summary' is invalid");
      if (typeof p.source !== "string" || p.source.length === 0) errors.push("'payload.source' is missing");
      if (!["critical", "error", "warning", "info"].includes(String(p.severity)))
        errors.push("'payload.severity' is invalid");
    }
  } else if (!body.dedup_key) {
    errors.push("'dedup_key' is required for acknowledge and resolve");
  }
  return errors;
}

/** Starts the stand-ins on a free loopback port. */
export async function startChannelStandIns(): Promise<ChannelStandIns> {
  const all: Received[] = [];
  const failures = new Map<Service, { n: number; status: number; body: string }>();
  const webhookSecret = `whsec_${Buffer.from("syntra-test-webhook-signing-key-32b!").toString("base64")}`;
  const verifier = new Webhook(webhookSecret);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const path = req.url ?? "/";
      const service: Service | null = path.startsWith("/slack/")
        ? "slack"
        : path.startsWith("/discord/")
          ? "discord"
          : path.startsWith("/pagerduty/")
            ? "pagerduty"
            : path.startsWith("/webhook")
              ? "webhook"
              : null;
      const answer = (status: number, text: string, type = "text/plain") => {
        let body: unknown = raw;
        try {
          body = JSON.parse(raw);
        } catch {
          // kept raw
        }
        all.push({ path, body, headers: req.headers, status });
        res.writeHead(status, { "content-type": type }).end(text);
      };
      if (!service || req.method !== "POST") return answer(404, "no_service");
      const failure = failures.get(service);
      if (failure && failure.n > 0) {
        failure.n--;
        return answer(failure.status, failure.body);
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return answer(400, service === "slack" ? "invalid_payload" : '{"message":"invalid JSON"}');
      }
      switch (service) {
        case "slack": {
          const problem = slackProblems(body);
          return problem ? answer(400, problem) : answer(200, "ok");
        }
        case "discord": {
          const problem = discordProblems(body);
          return problem
            ? answer(400, JSON.stringify({ message: problem, code: 50035 }), "application/json")
            : answer(204, "");
        }
        case "pagerduty": {
          const errors = pagerDutyProblems(body);
          if (errors.length > 0) {
            return answer(
              400,
              JSON.stringify({ status: "invalid event", message: "Event object is invalid", errors }),
              "application/json",
            );
          }
          return answer(
            202,
            JSON.stringify({ status: "success", message: "Event processed", dedup_key: body.dedup_key }),
            "application/json",
          );
        }
        case "webhook": {
          try {
            verifier.verify(raw, req.headers as Record<string, string>);
          } catch {
            return answer(401, "bad signature");
          }
          return answer(200, "ok");
        }
        default: {
          const never: never = service;
          return answer(500, String(never));
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    slackUrl: `${url}/slack/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX`,
    discordUrl: `${url}/discord/api/webhooks/123456/token-abc`,
    pagerDutyUrl: `${url}/pagerduty/v2/enqueue`,
    webhookUrl: `${url}/webhook`,
    webhookSecret,
    all,
    accepted: (service) => all.filter((r) => r.path.startsWith(`/${service}`) && r.status >= 200 && r.status < 300),
    failNext: (service, n, status, body = "") => failures.set(service, { n, status, body }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
