import { argLines, execForm, type GeneratedDockerfile, type StackInput, safeName, shellCmd } from "./stack";

const DEFAULT_PORT = 8000;
/** Entry modules tried in order; a web framework's object is expected to be called `app`. */
const ENTRY_FILES = ["app.py", "main.py", "server.py", "wsgi.py", "application.py"];

/** What a Python app needs, as detected: shared by the builder's Dockerfile and the AI engine's production one. */
export interface PythonPlan {
  /** requirements.txt is there (installed before the sources are copied); else pyproject.toml is installed. */
  requirements: boolean;
  /** The CMD line starting the app. */
  start: string;
  port: number;
}

/** The plan for the repository's Python app, or null when it is not one (no manifest, no known entry point). */
export async function pythonPlan(input: StackInput): Promise<PythonPlan | null> {
  const requirements = await input.files.read("requirements.txt");
  const pyproject = await input.files.read("pyproject.toml");
  if (requirements === null && pyproject === null) return null;
  const deps = dependencyNames(`${requirements ?? ""}\n${pyproject ?? ""}`);
  const start = await startCommand(input, deps);
  if (start === null) return null;
  return { requirements: requirements !== null, start, port: input.port ?? DEFAULT_PORT };
}

/** A Python app: requirements.txt or pyproject.toml, started by its usual entry point. */
export async function pythonApp(input: StackInput): Promise<GeneratedDockerfile | null> {
  const plan = await pythonPlan(input);
  if (!plan) return null;
  const install = plan.requirements
    ? ["COPY requirements.txt ./", "RUN pip install -r requirements.txt", "COPY . ."]
    : ["COPY . .", "RUN pip install ."];
  const lines = [
    `FROM ${input.images.python}`,
    "WORKDIR /app",
    "ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1",
    ...argLines(input.buildArgNames),
    ...install,
    `ENV PORT=${plan.port}`,
    `EXPOSE ${plan.port}`,
    plan.start,
  ];
  return { stack: "python", dockerfile: `${lines.join("\n")}\n` };
}

/** Lower-cased distribution names mentioned in requirements.txt or pyproject.toml. */
function dependencyNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(/(?:^|["'\s])([A-Za-z][A-Za-z0-9_.-]*)\s*(?:\[[^\]]*\])?\s*(?:[<>=!~;"']|$)/gm)) {
    if (match[1]) names.add(match[1].toLowerCase().replace(/_/g, "-"));
  }
  return names;
}

async function startCommand(input: StackInput, deps: Set<string>): Promise<string | null> {
  if (await input.files.isFile("manage.py")) {
    const project = await djangoProject(input);
    if (project && deps.has("gunicorn")) return shellCmd(`gunicorn --bind "0.0.0.0:$PORT" ${project}.wsgi`);
    return shellCmd(`python manage.py runserver "0.0.0.0:$PORT"`);
  }
  for (const file of ENTRY_FILES) {
    if (!(await input.files.isFile(file))) continue;
    const module = file.slice(0, -3);
    const asgi = deps.has("fastapi") || deps.has("starlette");
    if (asgi && deps.has("uvicorn")) return shellCmd(`uvicorn ${module}:app --host 0.0.0.0 --port "$PORT"`);
    if (deps.has("gunicorn")) return shellCmd(`gunicorn --bind "0.0.0.0:$PORT" ${module}:app`);
    return execForm("CMD", ["python", file]);
  }
  return null;
}

/** The Django project package: the folder holding wsgi.py next to manage.py. */
async function djangoProject(input: StackInput): Promise<string | null> {
  for (const name of await input.files.list(".")) {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && safeName(name) && (await input.files.isFile(`${name}/wsgi.py`)))
      return name;
  }
  return null;
}
