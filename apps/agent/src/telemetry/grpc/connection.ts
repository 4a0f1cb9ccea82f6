import type { Socket } from "node:net";
import { assembleBody } from "./body-assembly";
import {
  DEFAULT_MAX_FRAME,
  DEFAULT_WINDOW,
  ErrorCode,
  Flag,
  FRAME_HEADER_BYTES,
  FrameType,
  frame,
  goawayFrame,
  MAX_WINDOW,
  PREFACE,
  rstStreamFrame,
  Setting,
  settingsFrame,
  windowUpdateFrame,
} from "./frames";
import { HeaderDecoder } from "./hpack";
import { ConnectionError, StreamError } from "./http2-errors";
import { requestHeaders } from "./request-headers";

/** A request whose body has fully arrived (or passed the size limit), waiting for its one response. */
export interface Http2Request {
  /** Field names in lower case, pseudo-headers included; a repeated name's values joined with ", ". */
  readonly headers: ReadonlyMap<string, string>;
  /**
   * The whole body; undefined when it grew past `maxBodyBytes` (the rest was not kept). Valid only until
   * `onRequest` returns: it may lie in the buffer the next request's body is assembled in. Copy what must last.
   */
  readonly body: Buffer | undefined;
  /**
   * Sends the response: a header block, optionally DATA and a trailer block (both encoded with `headerBlock`). A
   * response to a stream the client has reset, or on a connection that has closed, goes nowhere.
   */
  respond(headers: Buffer, data?: Buffer, trailers?: Buffer): void;
}

export interface Http2ConnectionOptions {
  /** Bodies larger than this are not kept: the request is handed over without one as soon as it passes it. */
  maxBodyBytes: number;
  /** Streams open at once, counting those whose response is still being worked on. */
  maxConcurrentStreams: number;
  /** The receive window offered to each stream and to the whole connection (flow control). */
  streamWindowBytes: number;
  connectionWindowBytes: number;
  /** The largest header block accepted (decoded, counted as RFC 9113 counts SETTINGS_MAX_HEADER_LIST_SIZE). */
  maxHeaderListBytes: number;
  /** A connection with no open stream that stays silent this long is closed (GOAWAY). */
  idleTimeoutMs: number;
  onRequest(request: Http2Request): void;
  /** A protocol error that ended the connection (for the agent's debug log). */
  onConnectionError?(code: ErrorCode, reason: string): void;
}

/** Header block fragments (HEADERS, then CONTINUATION) beyond this end the connection: a CONTINUATION flood. */
const MAX_HEADER_BLOCK_BYTES = 64 * 1024;
/** Output the peer leaves unread beyond this (pings and settings answered to a client that never reads) ends it. */
const MAX_UNREAD_OUTPUT_BYTES = 1024 * 1024;

interface Stream {
  readonly id: number;
  headers: Map<string, string>;
  chunks: Buffer[];
  size: number;
  overflow: boolean;
  /** Bytes received and not yet given back to the peer as window. */
  unacknowledged: number;
  receiveWindow: number;
  sendWindow: number;
  /** The client sent END_STREAM (half-closed remote). */
  remoteEnded: boolean;
  /** The client reset it, or it was refused: the response is dropped. */
  reset: boolean;
  /** Handed over to `onRequest`, not yet answered. */
  handedOver: boolean;
  contentLength: number | undefined;
  /** Frames held back until the peer's flow-control window lets DATA through. */
  waiting?: { data: Buffer; trailers: Buffer | undefined };
}

interface HeaderBlockInProgress {
  streamId: number;
  flags: number;
  fragments: Buffer[];
  size: number;
  /** Its PRIORITY names the stream itself: refused once decoded (the block still updates the HPACK state). */
  selfDependent: boolean;
}

/**
 * The server side of one HTTP/2 connection (RFC 9113), for requests answered once their body has arrived, as unary
 * gRPC calls are. It reads frames straight off the socket: a request costs about half of what `node:http2` costs per
 * request here (docs/performance.md, "Ingest"), which is most of what separates the agent from the Collector over
 * OTLP/gRPC. It enforces what a server must (flow control, stream states, frame sizes, header validity, concurrent
 * streams) and the limits that keep an abusive client cheap (header blocks, bodies, unread output, idle time).
 */
export class Http2ServerConnection {
  private input: Buffer | undefined;
  private prefaceSeen = false;
  private settingsSeen = false;
  private readonly decoder = new HeaderDecoder();
  private readonly streams = new Map<number, Stream>();
  private lastStreamId = 0;
  private headerBlock: HeaderBlockInProgress | undefined;
  /** The DATA frame being read as its bytes arrive (undefined stream: one whose bytes are discarded). */
  private data:
    | { streamId: number; stream: Stream | undefined; flags: number; length: number; left: number }
    | undefined;
  private receiveWindow: number;
  private unacknowledged = 0;
  private sendWindow = DEFAULT_WINDOW;
  private peerInitialWindow = DEFAULT_WINDOW;
  private peerMaxFrame = DEFAULT_MAX_FRAME;
  private output: Buffer[] = [];
  private flushScheduled = false;
  /** GOAWAY sent or received: no new streams; the socket ends once the open ones are answered. */
  private goingAway = false;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly options: Http2ConnectionOptions,
  ) {
    this.receiveWindow = options.connectionWindowBytes;
    socket.setNoDelay(true);
    socket.setTimeout(options.idleTimeoutMs, () => {
      if (this.streams.size === 0) this.shutdown();
    });
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("error", () => socket.destroy());
    socket.on("close", () => this.onClose());
    this.send(
      settingsFrame([
        [Setting.MAX_CONCURRENT_STREAMS, options.maxConcurrentStreams],
        [Setting.INITIAL_WINDOW_SIZE, options.streamWindowBytes],
        [Setting.MAX_HEADER_LIST_SIZE, options.maxHeaderListBytes],
        [Setting.ENABLE_PUSH, 0],
      ]),
    );
    if (options.connectionWindowBytes > DEFAULT_WINDOW) {
      this.send(windowUpdateFrame(0, options.connectionWindowBytes - DEFAULT_WINDOW));
    }
  }

  /** Graceful close: GOAWAY now, the socket ends once the open streams are answered. */
  shutdown(): void {
    if (this.closed || this.goingAway) return;
    this.goingAway = true;
    this.send(goawayFrame(this.lastStreamId, ErrorCode.NO_ERROR));
    this.endIfDone();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    // Only a frame header, or a small frame other than DATA, ever waits for the next chunk: DATA is taken as it comes.
    const buffer = this.input ? Buffer.concat([this.input, chunk]) : chunk;
    this.input = undefined;
    let offset = 0;
    try {
      if (!this.prefaceSeen) {
        const have = Math.min(buffer.length, PREFACE.length);
        if (!buffer.subarray(0, have).equals(PREFACE.subarray(0, have))) {
          // Not HTTP/2 with prior knowledge (an HTTP/1.1 client, a TLS hello, noise): nothing to answer in HTTP/2.
          this.socket.destroy();
          return;
        }
        if (buffer.length < PREFACE.length) {
          this.input = buffer;
          return;
        }
        this.prefaceSeen = true;
        offset = PREFACE.length;
      }
      for (;;) {
        const data = this.data;
        if (data) {
          const take = Math.min(data.left, buffer.length - offset);
          if (take > 0) this.dataPart(data.stream, buffer.subarray(offset, offset + take));
          offset += take;
          data.left -= take;
          if (data.left > 0) break;
          this.data = undefined;
          this.catchStreamError(data.streamId, () => this.endData(data.stream, data.flags, data.length));
          if (this.closed) return;
          continue;
        }
        if (buffer.length - offset < FRAME_HEADER_BYTES) break;
        const length = buffer.readUIntBE(offset, 3);
        if (length > DEFAULT_MAX_FRAME) {
          throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, `a frame of ${length} bytes`);
        }
        const type = buffer[offset + 3] as number;
        const flags = buffer[offset + 4] as number;
        const streamId = buffer.readUInt32BE(offset + 5) & 0x7fffffff;
        if (type === FrameType.DATA && !(flags & Flag.PADDED)) {
          this.checkOrder(type);
          offset += FRAME_HEADER_BYTES;
          const stream = this.catchStreamError(streamId, () => this.beginData(streamId, length));
          this.data = { streamId, stream, flags, length, left: length };
          continue;
        }
        if (buffer.length - offset < FRAME_HEADER_BYTES + length) break;
        const payload = buffer.subarray(offset + FRAME_HEADER_BYTES, offset + FRAME_HEADER_BYTES + length);
        offset += FRAME_HEADER_BYTES + length;
        this.onFrame(type, flags, streamId, payload);
        if (this.closed) return;
      }
    } catch (err) {
      if (err instanceof ConnectionError) {
        this.fail(err.code, err.message);
        return;
      }
      throw err;
    }
    if (offset < buffer.length) this.input = buffer.subarray(offset);
  }

  /** Runs `step`; a stream error it throws resets that stream (RST_STREAM) instead of ending the connection. */
  private catchStreamError<T>(streamId: number, step: () => T): T | undefined {
    try {
      return step();
    } catch (err) {
      if (!(err instanceof StreamError)) throw err;
      this.resetStream(streamId, err.code);
      return undefined;
    }
  }

  private checkOrder(type: number): void {
    if (!this.settingsSeen && type !== FrameType.SETTINGS) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "the connection preface must be followed by SETTINGS");
    }
    if (this.headerBlock && type !== FrameType.CONTINUATION) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "a header block was interrupted");
    }
  }

  /** A whole frame other than unpadded DATA (which `receive` takes as it arrives). */
  private onFrame(type: number, flags: number, streamId: number, payload: Buffer): void {
    this.checkOrder(type);
    try {
      switch (type) {
        case FrameType.DATA: {
          const stream = this.beginData(streamId, payload.length);
          this.dataPart(stream, this.unpad(flags, payload));
          this.endData(stream, flags, payload.length);
          return;
        }
        case FrameType.HEADERS:
          this.onHeaders(flags, streamId, payload);
          return;
        case FrameType.CONTINUATION:
          this.onContinuation(flags, streamId, payload);
          return;
        case FrameType.PRIORITY:
          if (streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PRIORITY on stream 0");
          if (payload.length !== 5) throw new StreamError(ErrorCode.FRAME_SIZE_ERROR, "PRIORITY of a wrong size");
          if ((payload.readUInt32BE(0) & 0x7fffffff) === streamId) {
            throw new StreamError(ErrorCode.PROTOCOL_ERROR, "a stream depending on itself");
          }
          return;
        case FrameType.RST_STREAM:
          this.onReset(streamId, payload);
          return;
        case FrameType.SETTINGS:
          this.onSettings(flags, streamId, payload);
          return;
        case FrameType.PUSH_PROMISE:
          throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "a client cannot push");
        case FrameType.PING:
          if (streamId !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PING on a stream");
          if (payload.length !== 8) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "PING of a wrong size");
          if (!(flags & Flag.ACK)) this.send(frame(FrameType.PING, Flag.ACK, 0, payload));
          return;
        case FrameType.GOAWAY:
          if (streamId !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "GOAWAY on a stream");
          this.goingAway = true;
          this.endIfDone();
          return;
        case FrameType.WINDOW_UPDATE:
          this.onWindowUpdate(streamId, payload);
          return;
        default:
          return; // Unknown frame types are ignored (RFC 9113 section 4.1).
      }
    } catch (err) {
      if (!(err instanceof StreamError)) throw err;
      this.resetStream(streamId, err.code);
    }
  }

  private onSettings(flags: number, streamId: number, payload: Buffer): void {
    if (streamId !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "SETTINGS on a stream");
    if (flags & Flag.ACK) {
      if (payload.length !== 0) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "a SETTINGS ACK with a payload");
      return;
    }
    if (payload.length % 6 !== 0) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS of a wrong size");
    for (let at = 0; at < payload.length; at += 6) {
      const id = payload.readUInt16BE(at);
      const value = payload.readUInt32BE(at + 2);
      if (id === Setting.ENABLE_PUSH && value > 1) {
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "SETTINGS_ENABLE_PUSH must be 0 or 1");
      }
      if (id === Setting.MAX_FRAME_SIZE) {
        if (value < DEFAULT_MAX_FRAME || value > 2 ** 24 - 1) {
          throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "SETTINGS_MAX_FRAME_SIZE out of range");
        }
        this.peerMaxFrame = value;
      }
      if (id === Setting.INITIAL_WINDOW_SIZE) {
        if (value > MAX_WINDOW) throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "initial window too large");
        const delta = value - this.peerInitialWindow;
        this.peerInitialWindow = value;
        for (const stream of this.streams.values()) {
          stream.sendWindow += delta;
          if (stream.sendWindow > MAX_WINDOW) {
            throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "a stream's window overflowed");
          }
        }
      }
      // HEADER_TABLE_SIZE needs nothing: responses never use the peer's dynamic table (hpack.ts, headerBlock).
    }
    this.settingsSeen = true;
    this.send(frame(FrameType.SETTINGS, Flag.ACK, 0));
    this.flushWaiting();
  }

  private onHeaders(flags: number, streamId: number, payload: Buffer): void {
    if (streamId === 0 || streamId % 2 === 0) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "HEADERS on a stream a client cannot open");
    }
    let fragment = this.unpad(flags, payload);
    let selfDependent = false;
    if (flags & Flag.PRIORITY) {
      if (fragment.length < 5) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "HEADERS too short");
      selfDependent = (fragment.readUInt32BE(0) & 0x7fffffff) === streamId;
      fragment = fragment.subarray(5);
    }
    this.collectHeaderBlock({ streamId, flags, fragments: [fragment], size: fragment.length, selfDependent });
  }

  private onContinuation(flags: number, streamId: number, payload: Buffer): void {
    const block = this.headerBlock;
    if (!block || block.streamId !== streamId) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "CONTINUATION without a header block to continue");
    }
    block.fragments.push(payload);
    block.size += payload.length;
    block.flags = (block.flags & ~Flag.END_HEADERS) | (flags & Flag.END_HEADERS);
    this.headerBlock = undefined;
    this.collectHeaderBlock(block);
  }

  private collectHeaderBlock(block: HeaderBlockInProgress): void {
    if (block.size > MAX_HEADER_BLOCK_BYTES) {
      throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "a header block larger than the agent accepts");
    }
    if (!(block.flags & Flag.END_HEADERS)) {
      this.headerBlock = block;
      return;
    }
    let fields: Array<[string, string]>;
    try {
      fields = this.decoder.decode(
        block.fragments.length === 1 ? (block.fragments[0] as Buffer) : Buffer.concat(block.fragments),
      );
    } catch {
      throw new ConnectionError(ErrorCode.COMPRESSION_ERROR, "a header block that does not decode");
    }
    if (block.selfDependent) throw new StreamError(ErrorCode.PROTOCOL_ERROR, "a stream depending on itself");
    this.onHeaderBlock(block.streamId, block.flags, fields);
  }

  private onHeaderBlock(streamId: number, flags: number, fields: Array<[string, string]>): void {
    const endStream = (flags & Flag.END_STREAM) !== 0;
    const existing = this.streams.get(streamId);
    if (existing) {
      // Trailers: only on a stream still sending, ending it, without pseudo-headers.
      if (existing.remoteEnded) throw new StreamError(ErrorCode.STREAM_CLOSED, "HEADERS after END_STREAM");
      if (!endStream || fields.some(([name]) => name.startsWith(":"))) {
        throw new StreamError(ErrorCode.PROTOCOL_ERROR, "malformed trailers");
      }
      this.endOfStream(existing);
      return;
    }
    if (streamId <= this.lastStreamId) {
      throw new ConnectionError(ErrorCode.STREAM_CLOSED, "HEADERS on a closed stream");
    }
    this.lastStreamId = streamId;
    if (this.goingAway || this.streams.size >= this.options.maxConcurrentStreams) {
      throw new StreamError(ErrorCode.REFUSED_STREAM, "too many streams at once");
    }
    const headers = requestHeaders(fields, this.options.maxHeaderListBytes);
    const stream: Stream = {
      id: streamId,
      headers,
      chunks: [],
      size: 0,
      overflow: false,
      unacknowledged: 0,
      receiveWindow: this.options.streamWindowBytes,
      sendWindow: this.peerInitialWindow,
      remoteEnded: false,
      reset: false,
      handedOver: false,
      contentLength: headers.has("content-length") ? Number(headers.get("content-length")) : undefined,
    };
    this.streams.set(streamId, stream);
    if (endStream) this.endOfStream(stream);
  }

  /** A DATA frame of `length` bytes (padding included) begins: flow control, and the stream it is for. */
  private beginData(streamId: number, length: number): Stream {
    if (streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "DATA on stream 0");
    // Flow control counts the whole frame, padding included, whatever becomes of the stream.
    this.receiveWindow -= length;
    if (this.receiveWindow < 0) throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "the connection's window");
    this.unacknowledged += length;
    if (this.unacknowledged >= this.options.connectionWindowBytes / 2) {
      this.send(windowUpdateFrame(0, this.unacknowledged));
      this.receiveWindow += this.unacknowledged;
      this.unacknowledged = 0;
    }
    const stream = this.streams.get(streamId);
    if (!stream) {
      if (streamId > this.lastStreamId) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "DATA on an idle stream");
      throw new StreamError(ErrorCode.STREAM_CLOSED, "DATA on a closed stream");
    }
    if (stream.remoteEnded) throw new StreamError(ErrorCode.STREAM_CLOSED, "DATA after END_STREAM");
    stream.receiveWindow -= length;
    if (stream.receiveWindow < 0) throw new StreamError(ErrorCode.FLOW_CONTROL_ERROR, "the stream's window");
    return stream;
  }

  /** Body bytes of a DATA frame (all of them, or the part that has arrived); kept as views of the socket's chunks. */
  private dataPart(stream: Stream | undefined, bytes: Buffer): void {
    if (!stream || stream.reset || bytes.length === 0) return;
    stream.size += bytes.length;
    if (stream.overflow) return;
    if (stream.size > this.options.maxBodyBytes) {
      stream.overflow = true;
      stream.chunks = [];
      return;
    }
    stream.chunks.push(bytes);
  }

  private endData(stream: Stream | undefined, flags: number, length: number): void {
    if (!stream || stream.reset) return;
    if (flags & Flag.END_STREAM) {
      this.endOfStream(stream);
      return;
    }
    stream.unacknowledged += length;
    if (stream.unacknowledged >= this.options.streamWindowBytes / 2) {
      this.send(windowUpdateFrame(stream.id, stream.unacknowledged));
      stream.receiveWindow += stream.unacknowledged;
      stream.unacknowledged = 0;
    }
    // An oversized body is refused at once rather than read to its end.
    if (stream.overflow && !stream.handedOver) this.handOver(stream);
  }

  private onReset(streamId: number, payload: Buffer): void {
    if (streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "RST_STREAM on stream 0");
    if (payload.length !== 4) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "RST_STREAM of a wrong size");
    if (streamId > this.lastStreamId)
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "RST_STREAM on an idle stream");
    this.markReset(streamId);
  }

  /** A reset stream's response is dropped; one being worked on keeps its slot until its answer. */
  private markReset(streamId: number): void {
    const stream = this.streams.get(streamId);
    if (!stream) return;
    stream.reset = true;
    // A stream being worked on still counts against the concurrent limit until its answer (a rapid reset costs
    // the client a stream slot for as long as the work takes).
    if (!stream.handedOver) this.forget(stream);
  }

  private onWindowUpdate(streamId: number, payload: Buffer): void {
    if (payload.length !== 4) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "WINDOW_UPDATE of a wrong size");
    const increment = payload.readUInt32BE(0) & 0x7fffffff;
    if (streamId === 0) {
      if (increment === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "a zero window increment");
      this.sendWindow += increment;
      if (this.sendWindow > MAX_WINDOW) throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "window overflow");
    } else {
      const stream = this.streams.get(streamId);
      if (increment === 0) throw new StreamError(ErrorCode.PROTOCOL_ERROR, "a zero window increment");
      if (!stream) {
        if (streamId > this.lastStreamId) {
          throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE on an idle stream");
        }
        return;
      }
      stream.sendWindow += increment;
      if (stream.sendWindow > MAX_WINDOW) throw new StreamError(ErrorCode.FLOW_CONTROL_ERROR, "window overflow");
    }
    this.flushWaiting();
  }

  private unpad(flags: number, payload: Buffer): Buffer {
    if (!(flags & Flag.PADDED)) return payload;
    const padding = payload[0];
    if (padding === undefined || padding >= payload.length) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "padding as long as the frame");
    }
    return payload.subarray(1, payload.length - padding);
  }

  private endOfStream(stream: Stream): void {
    stream.remoteEnded = true;
    if (stream.handedOver) return;
    if (stream.contentLength !== undefined && stream.contentLength !== stream.size) {
      throw new StreamError(ErrorCode.PROTOCOL_ERROR, "content-length does not match the body");
    }
    this.handOver(stream);
  }

  private handOver(stream: Stream): void {
    stream.handedOver = true;
    const body = stream.overflow ? undefined : assembleBody(stream.chunks, stream.size);
    stream.chunks = [];
    this.options.onRequest({
      headers: stream.headers,
      body,
      respond: (headers, data, trailers) => this.respond(stream, headers, data, trailers),
    });
  }

  private respond(stream: Stream, headers: Buffer, data?: Buffer, trailers?: Buffer): void {
    if (this.closed || stream.reset || this.streams.get(stream.id) !== stream) {
      this.forget(stream);
      return;
    }
    const onlyHeaders = !data && !trailers;
    this.send(frame(FrameType.HEADERS, Flag.END_HEADERS | (onlyHeaders ? Flag.END_STREAM : 0), stream.id, headers));
    if (onlyHeaders) {
      this.finish(stream);
      return;
    }
    stream.waiting = { data: data ?? Buffer.alloc(0), trailers };
    this.sendWaiting(stream);
  }

  /**
   * Sends a stream's held-back DATA as far as the peer's windows allow (in frames no larger than it takes), then the
   * trailers after the last of it.
   */
  private sendWaiting(stream: Stream): void {
    const waiting = stream.waiting;
    if (!waiting) return;
    while (waiting.data.length > 0) {
      const size = Math.min(waiting.data.length, stream.sendWindow, this.sendWindow, this.peerMaxFrame);
      if (size <= 0) return;
      const last = size === waiting.data.length && !waiting.trailers;
      this.send(frame(FrameType.DATA, last ? Flag.END_STREAM : 0, stream.id, waiting.data.subarray(0, size)));
      stream.sendWindow -= size;
      this.sendWindow -= size;
      waiting.data = waiting.data.subarray(size);
      if (last) {
        stream.waiting = undefined;
        this.finish(stream);
        return;
      }
    }
    stream.waiting = undefined;
    if (waiting.trailers) {
      this.send(frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, stream.id, waiting.trailers));
    } else {
      // An empty body: END_STREAM rides on an empty DATA frame.
      this.send(frame(FrameType.DATA, Flag.END_STREAM, stream.id));
    }
    this.finish(stream);
  }

  private flushWaiting(): void {
    for (const stream of this.streams.values()) this.sendWaiting(stream);
  }

  /** Our side is done: a stream the client is still sending on is told to stop (RST_STREAM NO_ERROR). */
  private finish(stream: Stream): void {
    if (!stream.remoteEnded) this.send(rstStreamFrame(stream.id, ErrorCode.NO_ERROR));
    this.forget(stream);
  }

  private forget(stream: Stream): void {
    if (this.streams.get(stream.id) === stream) this.streams.delete(stream.id);
    this.endIfDone();
  }

  private resetStream(streamId: number, code: ErrorCode): void {
    this.send(rstStreamFrame(streamId, code));
    this.markReset(streamId);
  }

  private fail(code: ErrorCode, reason: string): void {
    this.options.onConnectionError?.(code, reason);
    this.send(goawayFrame(this.lastStreamId, code, reason));
    this.end();
  }

  private endIfDone(): void {
    if (this.goingAway && this.streams.size === 0) this.end();
  }

  private end(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.socket.end();
    // A peer that neither reads nor closes is not waited for.
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  private send(bytes: Buffer): void {
    if (this.closed) return;
    this.output.push(bytes);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Frames made in one turn (a read's answers, responses resolved together) leave in one write.
    process.nextTick(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.output.length === 0 || this.socket.destroyed) return;
    const bytes = this.output.length === 1 ? (this.output[0] as Buffer) : Buffer.concat(this.output);
    this.output = [];
    this.socket.write(bytes);
    if (this.socket.writableLength > MAX_UNREAD_OUTPUT_BYTES) this.socket.destroy();
  }

  private onClose(): void {
    this.closed = true;
    this.output = [];
    for (const stream of this.streams.values()) stream.reset = true;
    this.streams.clear();
  }
}
