import { useState } from "react";
import type { FieldErrors } from "../lib/form";
import { cn } from "../lib/utils";
import { Field, invalid } from "./field";
import { Input } from "./ui/input";

/** The sources a service can be set up with from the dashboard. */
export type SourceChoice = "image" | "dockerfile" | "nixpacks";

const CHOICES: { value: SourceChoice; label: string; hint: string }[] = [
  { value: "image", label: "Container image", hint: "A ready image from a registry." },
  { value: "dockerfile", label: "Git repository with a Dockerfile", hint: "Built with the repository's Dockerfile." },
  {
    value: "nixpacks",
    label: "Git repository, stack detected",
    hint: "Syntra detects Node, Python, Go or a static site and writes the Dockerfile.",
  },
];

/** True for the source types Syntra builds from git. */
export const isBuiltFromGit = (type: string): type is "dockerfile" | "nixpacks" =>
  type === "dockerfile" || type === "nixpacks";

/** One line saying where a service comes from: `nginx:1.27`, `github.com/acme/shop.git @ main (Dockerfile)`. */
export function sourceSummary(type: string, config: Record<string, unknown>): string {
  if (type === "image") return `${String(config.image)}:${String(config.tag ?? "latest")}`;
  if (!isBuiltFromGit(type)) return type;
  const repo =
    typeof config.repo_url === "string" ? config.repo_url.replace(/^[a-z]+:\/\/\/?/, "") : "project repository";
  const branch = typeof config.branch === "string" ? ` @ ${config.branch}` : "";
  return `${repo}${branch} (${type === "dockerfile" ? "Dockerfile" : "stack detected"})`;
}

/** Splits "src/**, package.json" into globs. */
const listOf = (text: string | undefined) => (text ?? "").split(/[\s,]+/).filter(Boolean);

/**
 * `source_type` and `source_config` from the form's values (see SourceFields). Empty git fields are left out,
 * so the server's defaults and the project's repository and branch apply; the API replaces the config whole.
 */
export function sourceFromForm(v: Record<string, string>): { source_type: string; source_config: object } {
  const type = v.source_type ?? "image";
  if (!isBuiltFromGit(type)) return { source_type: type, source_config: { image: v.image, tag: v.tag || "latest" } };
  const watch = listOf(v.watch_paths);
  return {
    source_type: type,
    source_config: {
      ...(v.repo_url && { repo_url: v.repo_url }),
      ...(v.branch && { branch: v.branch }),
      ...(type === "dockerfile" && { dockerfile_path: v.dockerfile_path || "Dockerfile" }),
      build_context: v.build_context || ".",
      ...(watch.length > 0 && { watch_paths: watch }),
    },
  };
}

/** The first error at `path` or under it (`source_config.watch_paths.2`). */
function errorAt(errors: FieldErrors, path: string): string | undefined {
  return errors[path] ?? Object.entries(errors).find(([k]) => k.startsWith(`${path}.`))?.[1];
}

/**
 * The source of a service: an image, or a git repository built with its Dockerfile or by stack detection,
 * with the fields of the chosen one. Inputs are named for sourceFromForm; errors are keyed like the API's.
 */
export function SourceFields({
  defaultType = "image",
  config = {},
  errors,
  disabled = false,
}: {
  defaultType?: SourceChoice;
  config?: Record<string, unknown>;
  errors: FieldErrors;
  disabled?: boolean;
}) {
  const [type, setType] = useState<SourceChoice>(defaultType);
  const text = (key: string) => (typeof config[key] === "string" ? (config[key] as string) : "");
  const err = (key: string) => errorAt(errors, `source_config.${key}`);
  const watch = Array.isArray(config.watch_paths) ? config.watch_paths.join(", ") : "";
  return (
    <>
      <fieldset className="flex flex-col gap-2 sm:col-span-2" disabled={disabled}>
        <legend className="mb-1.5 text-sm font-medium text-zinc-800 dark:text-zinc-200">Source</legend>
        <div className="grid gap-2 md:grid-cols-3">
          {CHOICES.map((c) => (
            <label
              key={c.value}
              className={cn(
                "flex cursor-pointer items-start gap-2 rounded-md border p-3 text-sm",
                type === c.value
                  ? "border-indigo-500 bg-indigo-50/60 dark:bg-indigo-950/30"
                  : "border-zinc-300 dark:border-zinc-700",
              )}
            >
              <input
                type="radio"
                name="source_type"
                value={c.value}
                checked={type === c.value}
                onChange={() => setType(c.value)}
                className="mt-0.5 size-4"
              />
              <span>
                <span className="font-medium">{c.label}</span>
                <span className="block text-xs text-zinc-500 dark:text-zinc-400">{c.hint}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      {type === "image" ? (
        <>
          <Field id="image" label="Image" error={err("image")} hint="e.g. ghcr.io/acme/web">
            <Input
              placeholder="nginx"
              defaultValue={text("image")}
              disabled={disabled}
              {...invalid("image", err("image"))}
            />
          </Field>
          <Field id="tag" label="Tag" error={err("tag")}>
            <Input
              placeholder="latest"
              defaultValue={text("tag")}
              disabled={disabled}
              {...invalid("tag", err("tag"))}
            />
          </Field>
        </>
      ) : (
        <>
          <Field
            id="repo_url"
            label="Repository URL"
            error={err("repo_url")}
            hint="https://, ssh://, git@host:path or file:///. Empty: the project's repository."
          >
            <Input
              placeholder="https://github.com/acme/shop.git"
              defaultValue={text("repo_url")}
              disabled={disabled}
              autoComplete="off"
              {...invalid("repo_url", err("repo_url"))}
            />
          </Field>
          <Field id="branch" label="Branch" error={err("branch")} hint="Empty: the project's branch.">
            <Input
              placeholder="main"
              defaultValue={text("branch")}
              disabled={disabled}
              {...invalid("branch", err("branch"))}
            />
          </Field>
          {type === "dockerfile" && (
            <Field id="dockerfile_path" label="Dockerfile path" error={err("dockerfile_path")}>
              <Input
                placeholder="Dockerfile"
                defaultValue={text("dockerfile_path")}
                disabled={disabled}
                {...invalid("dockerfile_path", err("dockerfile_path"))}
              />
            </Field>
          )}
          <Field
            id="build_context"
            label="Build context"
            error={err("build_context")}
            hint="The folder the build sees, relative to the repository."
          >
            <Input
              placeholder="."
              defaultValue={text("build_context")}
              disabled={disabled}
              {...invalid("build_context", err("build_context"))}
            />
          </Field>
          <Field
            id="watch_paths"
            label="Watch paths (optional)"
            error={err("watch_paths")}
            hint="Globs, comma separated (src/**, package.json): a push that changes none of them does not deploy."
          >
            <Input
              placeholder="src/**"
              defaultValue={watch}
              disabled={disabled}
              {...invalid("watch_paths", err("watch_paths"))}
            />
          </Field>
        </>
      )}
    </>
  );
}
