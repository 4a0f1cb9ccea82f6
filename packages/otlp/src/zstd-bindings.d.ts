// The N-API functions of @mongodb-js/zstd, which its index.js wraps (dropping compress's level); see zstd.ts.
declare module "@mongodb-js/zstd/bindings.js" {
  export function compress(data: Buffer, level?: number): Promise<Buffer>;
  export function decompress(data: Buffer): Promise<Buffer>;
}
