import { apiError, type ListMeta, listMeta, toErrorCode } from "@syntra/contracts";
import { z } from "zod";
import { ApiError } from "./errors";
import type { WebSocketFactory } from "./socket";

/** How a client reaches the API. */
export interface ClientOptions {
  /** Origin of the control plane, e.g. `http://127.0.0.1:3000`; empty for the page's own origin (the dashboard). */
  baseUrl?: string;
  /** An API token (`syn_usr_…`); without it the browser's session cookie is used. */
  token?: string;
  /** The organization to act in, for users of several (`X-Syntra-Org`). */
  orgId?: string;
  fetch?: typeof fetch;
  /** Opens WebSockets (socket routes); the browser's WebSocket when left out. */
  webSocket?: WebSocketFactory;
}

/** Pauses before each resend of a read whose request failed on the network. */
const READ_RETRY_DELAYS_MS = [200, 1000];

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** The transport: one request, the envelope unwrapped, the data checked against its contract schema. */
export class Http {
  private readonly fetch: typeof fetch;
  readonly baseUrl: string;
  readonly webSocket: WebSocketFactory | undefined;

  constructor(private readonly opts: ClientOptions) {
    this.webSocket = opts.webSocket;
    this.fetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
    this.baseUrl = (opts.baseUrl ?? "").replace(/\/+$/, "");
  }

  /** Headers every request carries (auth, organization). */
  headers(): Record<string, string> {
    return {
      ...(this.opts.token && { authorization: `Bearer ${this.opts.token}` }),
      ...(this.opts.orgId && { "x-syntra-org": this.opts.orgId }),
    };
  }

  /**
   * Sends a raw request (streams); throws ApiError with the API's error when the answer is not 2xx. A read
   * (GET/HEAD) that fails before any answer is sent again, twice at most: a dropped connection or a network
   * change on the client's side (a laptop switching Wi-Fi) should not surface as an error. Writes are never
   * resent, since the first one may have been carried out.
   */
  async raw(method: string, path: string, init: { body?: unknown; signal?: AbortSignal } = {}): Promise<Response> {
    const delays = method === "GET" || method === "HEAD" ? READ_RETRY_DELAYS_MS : [];
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await this.fetch(this.baseUrl + path, {
          method,
          headers: {
            ...this.headers(),
            ...(init.body !== undefined && { "content-type": "application/json" }),
          },
          ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
          ...(init.signal && { signal: init.signal }),
          credentials: "same-origin",
        });
      } catch (err) {
        if (init.signal?.aborted) throw err;
        const delay = delays[attempt];
        if (delay !== undefined) {
          await sleep(delay, init.signal);
          continue;
        }
        throw new ApiError("NETWORK_ERROR", "Syntra could not be reached; check your connection and try again", 0);
      }
      if (!res.ok) throw await errorOf(res);
      return res;
    }
  }

  /**
   * A JSON call: the `data` of the success envelope (or, with `envelope: false`, the whole body), parsed with
   * `schema`.
   */
  async call<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    init: { body?: unknown; signal?: AbortSignal; envelope?: boolean } = {},
  ): Promise<z.output<S>> {
    return (await this.callWithMeta(method, path, schema, init)).data;
  }

  /** A JSON call that also answers the envelope's `meta` (a list's total, the next page's cursor). */
  async callWithMeta<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    init: { body?: unknown; signal?: AbortSignal; envelope?: boolean } = {},
  ): Promise<{ data: z.output<S>; meta: ListMeta | undefined }> {
    const res = await this.raw(method, path, init);
    const body: unknown = await res.json().catch(() => undefined);
    const data = init.envelope === false ? body : (body as { data?: unknown } | undefined)?.data;
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      throw new ApiError(
        "BAD_RESPONSE",
        `Unexpected answer from ${method} ${path}: ${parsed.error.message}`,
        res.status,
      );
    }
    const meta = init.envelope === false ? undefined : listMeta.safeParse((body as { meta?: unknown }).meta);
    return { data: parsed.data, meta: meta?.success ? meta.data : undefined };
  }
}

// The error envelope with any code: a newer control plane may answer one this client's table lacks.
const anyCodeError = apiError.extend({ error: apiError.shape.error.extend({ code: z.string() }) });

/**
 * The API's error as an ApiError. A code this client's table lacks (a newer control plane) is read as
 * UNRECOGNIZED_ERROR, its message, details and request id kept.
 */
export async function errorOf(res: Response): Promise<ApiError> {
  const body: unknown = await res.json().catch(() => undefined);
  const parsed = anyCodeError.safeParse(body);
  if (parsed.success) {
    const e = parsed.data.error;
    return new ApiError(toErrorCode(e.code), e.message, res.status, e.details, e.request_id);
  }
  return new ApiError("BAD_RESPONSE", `Syntra answered ${res.status} ${res.statusText}`.trim(), res.status);
}
