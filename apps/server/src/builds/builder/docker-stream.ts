import type { Readable } from "node:stream";

/** One message of the Docker Engine's progress streams (build, push). */
export interface DockerStreamEvent {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string; Digest?: string; Tag?: string };
}

/**
 * Reads a newline-delimited JSON progress stream to its end, handing each message over as it arrives. Resolves
 * when the engine closes the stream; rejects when the connection fails (an abort included).
 */
export function readDockerStream(stream: Readable, onEvent: (event: DockerStreamEvent) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let pending = "";
    const handle = (line: string) => {
      if (!line.trim()) return;
      try {
        onEvent(JSON.parse(line) as DockerStreamEvent);
      } catch {
        // Not JSON (an old engine or a proxy in between): pass it on as plain output.
        onEvent({ stream: `${line}\n` });
      }
    };
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) handle(line);
    });
    stream.once("end", () => {
      handle(pending);
      resolve();
    });
    stream.once("error", reject);
    stream.once("close", () => {
      // A stream destroyed by an abort closes without "end".
      if (!stream.readableEnded) reject(new Error("The Docker engine's stream closed early"));
    });
  });
}
