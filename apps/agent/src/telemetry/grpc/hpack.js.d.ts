// The package ships no types; these are the parts of its streaming (de)compressors the receiver uses.
declare module "hpack.js" {
  interface HeaderField {
    name: string;
    value: string;
    neverIndex?: boolean;
    huffman?: boolean;
  }
  interface Decompressor {
    write(block: Uint8Array): void;
    execute(): void;
    read(): HeaderField | null;
    on(event: "error", listener: (err: Error) => void): void;
  }
  interface Compressor {
    write(fields: HeaderField[]): void;
    read(): Buffer | null;
  }
  const hpack: {
    decompressor: { create(options: { table: { maxSize: number } }): Decompressor };
    compressor: { create(options: { table: { maxSize: number } }): Compressor };
  };
  export default hpack;
}
