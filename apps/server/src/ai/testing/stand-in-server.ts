import http from "node:http";
import type { AddressInfo } from "node:net";

/** One request a stand-in received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  // biome-ignore lint/suspicious/noExplicitAny: the JSON body as the client sent it
  body: any;
}

/** How a stand-in answers one request: JSON with a status and headers, or never (to make the client time out). */
export type StandInReply = { status?: number; headers?: Record<string, string>; json: unknown } | { hang: true };

/** A local HTTP server answering JSON POSTs with what the test says, keeping every request it got. */
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
    const answer = await stand.reply(recorded);
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
