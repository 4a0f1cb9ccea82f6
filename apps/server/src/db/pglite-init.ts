// `node pglite-init.js <dir> <shared_buffers>`: creates an empty PGlite database (PostgreSQL's initdb) in a
// folder and exits. See initPglite in pglite.ts for why this runs in a process of its own.
import { PGlite } from "@electric-sql/pglite";
import { pgliteOptions } from "./pglite";

const [dir, sharedBuffers] = process.argv.slice(2);
if (!dir || !sharedBuffers) {
  process.stderr.write("usage: pglite-init <data dir> <shared_buffers>\n");
  process.exit(2);
}
const db = await PGlite.create(dir, pgliteOptions({ sharedBuffers }));
await db.close();
