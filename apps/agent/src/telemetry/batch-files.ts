import { open, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { BatchCompression } from "@syntra/otlp";

/** What the agent knows of a batch without reading its data. */
export interface BatchMeta {
  id: string;
  /** Order of creation: batches are sent oldest first. */
  seq: number;
  compression: BatchCompression;
  rawBytes: number;
  /** Compressed size: what the batch takes on disk and on the wire (before base64). */
  bytes: number;
  createdAt: string;
  spans: number;
  logRecords: number;
  metricPoints: number;
  /** The journal files whose entries this batch holds: deleted once it is written, ignored if still there. */
  journals: string[];
}

const PREFIX = "batch-";

/**
 * Batches waiting for the control plane's acknowledgement, one file each: a 4-byte big-endian meta length, the
 * meta as JSON, the compressed data. Written to a temporary name and renamed, so a batch file is whole or absent.
 */
export class BatchFiles {
  constructor(private readonly dir: string) {}

  fileOf(meta: Pick<BatchMeta, "seq" | "id">): string {
    return path.join(this.dir, `${PREFIX}${String(meta.seq).padStart(12, "0")}-${meta.id}`);
  }

  async write(meta: BatchMeta, data: Buffer): Promise<void> {
    const json = Buffer.from(JSON.stringify(meta));
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(json.length, 0);
    const file = this.fileOf(meta);
    const temp = `${file}.tmp`;
    const handle = await open(temp, "w", 0o600);
    try {
      await handle.writev([prefix, json, data]);
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  }

  async read(meta: BatchMeta): Promise<Buffer> {
    const handle = await open(this.fileOf(meta), "r");
    try {
      const prefix = Buffer.alloc(4);
      await handle.read(prefix, 0, 4, 0);
      const offset = 4 + prefix.readUInt32BE(0);
      const data = Buffer.alloc(meta.bytes);
      const { bytesRead } = await handle.read(data, 0, meta.bytes, offset);
      if (bytesRead !== meta.bytes) throw new Error(`batch ${meta.id} is cut short on disk`);
      return data;
    } finally {
      await handle.close();
    }
  }

  async remove(meta: BatchMeta): Promise<void> {
    await rm(this.fileOf(meta), { force: true });
  }

  /** Every whole batch file's meta, oldest first; temporary files of a crashed write are removed. */
  async list(): Promise<BatchMeta[]> {
    const names = (await readdir(this.dir)).filter((n) => n.startsWith(PREFIX));
    const metas: BatchMeta[] = [];
    for (const name of names) {
      const file = path.join(this.dir, name);
      if (name.endsWith(".tmp")) {
        await rm(file, { force: true });
        continue;
      }
      const handle = await open(file, "r");
      try {
        const prefix = Buffer.alloc(4);
        await handle.read(prefix, 0, 4, 0);
        const json = Buffer.alloc(prefix.readUInt32BE(0));
        await handle.read(json, 0, json.length, 4);
        metas.push(JSON.parse(json.toString("utf8")) as BatchMeta);
      } finally {
        await handle.close();
      }
    }
    return metas.sort((a, b) => a.seq - b.seq);
  }
}
