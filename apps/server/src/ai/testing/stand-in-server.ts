import http from "node:http";
import type { AddressInfo } from "node:net";
import { type AnthropicMessage, anthropicStreamEvents } from "./anthropic-stand-in";

/** One request a stand-in received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  // biome-ignore lint/suspicious/noExplicitAny: the JSON body as the client sent it
  body: any;
}

/** One server-sent event. */
export interface SseEvent {
  event: string;
  data: unknown;
}

/**
 * How a stand-in answers one request: JSON with a status and headers; server-sent events (then, with `hang`, the
 * stream stays open without another byte); or never (to make the client time out).
 */
export type StandInReply =
  | { status?: number; headers?: Record<string, string>; json: unknown }
  | { sse: SseEvent[]; hang?: boolean }
  | { hang: true };

/**
 * A local HTTP server answering JSON POSTs with what the test says, keeping every request it got. A request asking
 * for a stream (`"stream": true`, as the Anthropic SDK's messages.stream sends) whose reply is a whole Messages API
 * message gets that message as the Messages API streams it (see anthropicStreamEvents).
 */
export interface StandInServer {
  /** http://127.0.0.1:<port> */
  url: string;
  requests: RecordedRequest[];
  /** Decides the answer of each request (set by each test). */
  reply: (req: RecordedRequest) => StandInReply | Promise<StandInReply>;
  close(): Promise<void>;
}

/** Starts a stand-in on a free loopback port. */
export async function startStandInServer(reply: StandInServer["reply"]): Promise<StandInServer> {
  const hanging = new Set<http.ServerResponse>();
  const stand: StandInServer = {
    url: "",
    requests: [],
    reply,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // kept as text
    }
    const recorded: RecordedRequest = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body };
    stand.requests.push(recorded);
    let answer = await stand.reply(recorded);
    if ((body as { stream?: unknown } | undefined)?.stream === true && "json" in answer && isMessage(answer))
      answer = { sse: anthropicStreamEvents(answer.json as AnthropicMessage) };
    if ("sse" in answer) {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      for (const e of answer.sse) res.write(`event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
      if (!answer.hang) res.end();
      else {
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
      }
      return;
    }
    if ("hang" in answer) {
      hanging.add(res);
      res.on("close", () => hanging.delete(res));
      return;
    }
    res.writeHead(answer.status ?? 200, { "content-type": "application/json", ...answer.headers });
    res.end(JSON.stringify(answer.json));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  stand.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return stand;
}

const isMessage = (answer: { status?: number; json: unknown }) =>
  (answer.status ?? 200) === 200 && (answer.json as { type?: unknown } | null)?.type === "message";
