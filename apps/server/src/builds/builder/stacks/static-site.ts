import { type GeneratedDockerfile, type StackInput, staticServerStage } from "./stack";

const DEFAULT_PORT = 8080;
/** Where static site generators and hand-made sites put their pages. */
export const SITE_DIRS = ["dist", "build", "public", "out", "_site"];

/** A site of plain files: index.html at the root or in one of the usual output folders. */
export async function staticSite(input: StackInput): Promise<GeneratedDockerfile | null> {
  let source: string | null = null;
  if (await input.files.isFile("index.html")) source = ".";
  else {
    for (const dir of SITE_DIRS) {
      if (await input.files.isFile(`${dir}/index.html`)) {
        source = dir;
        break;
      }
    }
  }
  if (source === null) return null;
  const port = input.port ?? DEFAULT_PORT;
  const lines = staticServerStage(input.images.static, `COPY ${source} /srv`, port);
  return { stack: "static", dockerfile: `${lines.join("\n")}\n` };
}
