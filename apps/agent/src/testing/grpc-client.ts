import * as grpc from "@grpc/grpc-js";

/** One unary call through grpc-js's client, bytes in and out, with the metadata given: the status it ended with. */
export function rawUnaryCall(
  client: grpc.Client,
  path: string,
  body: Buffer,
  metadata: Record<string, string> = {},
): Promise<{ code: number; details: string }> {
  const meta = new grpc.Metadata();
  for (const [name, value] of Object.entries(metadata)) meta.set(name, value);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      meta,
      (err) => resolve(err ? { code: err.code, details: err.details } : { code: grpc.status.OK, details: "" }),
    );
  });
}
