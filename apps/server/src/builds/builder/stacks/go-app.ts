import { argLines, execForm, type GeneratedDockerfile, type StackInput, safeName } from "./stack";

const DEFAULT_PORT = 8080;

/** A Go module (go.mod): compiled statically in the Go image, run alone in the small runtime image. */
export async function goApp(input: StackInput): Promise<GeneratedDockerfile | null> {
  if (!(await input.files.isFile("go.mod"))) return null;
  const pkg = await mainPackage(input);
  if (pkg === null) return null;
  const manifests = ["go.mod"];
  if (await input.files.isFile("go.sum")) manifests.push("go.sum");
  const port = input.port ?? DEFAULT_PORT;
  const lines = [
    `FROM ${input.images.go} AS build`,
    "WORKDIR /src",
    ...argLines(input.buildArgNames),
    `COPY ${manifests.join(" ")} ./`,
    "RUN go mod download",
    "COPY . .",
    `RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/app ${pkg}`,
    "",
    `FROM ${input.images.goRuntime}`,
    "COPY --from=build /out/app /app",
    `ENV PORT=${port}`,
    `EXPOSE ${port}`,
    execForm("ENTRYPOINT", ["/app"]),
  ];
  return { stack: "go", dockerfile: `${lines.join("\n")}\n` };
}

/** `.` when the module root is package main, else the single (or first) `cmd/<name>` with a main package. */
async function mainPackage(input: StackInput): Promise<string | null> {
  if (await hasMain(input, ".")) return ".";
  for (const name of await input.files.list("cmd")) {
    if (safeName(name) && (await hasMain(input, `cmd/${name}`))) return `./cmd/${name}`;
  }
  return null;
}

async function hasMain(input: StackInput, dir: string): Promise<boolean> {
  for (const name of await input.files.list(dir)) {
    if (!name.endsWith(".go") || name.endsWith("_test.go")) continue;
    const text = await input.files.read(`${dir}/${name}`);
    if (text && /^\s*package\s+main\b/m.test(text)) return true;
  }
  return false;
}
