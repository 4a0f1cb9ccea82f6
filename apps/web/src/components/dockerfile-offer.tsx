import type { GeneratedDockerfile } from "@syntra/contracts";
import { Wand2 } from "lucide-react";
import { useState } from "react";
import { useAction } from "../lib/action";
import { api } from "../lib/api";
import { CopyButton } from "./copy";
import { ErrorNote } from "./states";
import { Badge } from "./ui/badge";
import { Button } from "./ui/button";

/** Build failures that mean "the repository has no Dockerfile Syntra could use or write". */
const NO_DOCKERFILE_CODES = new Set(["NO_BUILDABLE_STACK", "DOCKERFILE_NOT_FOUND"]);

/**
 * Whether a failed build is one of a service without a Dockerfile: nothing to detect, a missing Dockerfile path,
 * or a build of the Dockerfile Syntra generated (the builder's log says "No Dockerfile at ...: detected").
 */
export function failedWithoutDockerfile(code: string | null, buildLog: string): boolean {
  if (code && NO_DOCKERFILE_CODES.has(code)) return true;
  return code === "BUILD_FAILED" && /^No Dockerfile at .*: detected a/m.test(buildLog);
}

/**
 * "Generate a Dockerfile" for a build that failed without one: asks the AI engine (or its offline generator) for
 * a production Dockerfile of the same repository and branch, which the server builds before answering; shows it
 * with its explanation, whether it built (the log tail when not), a copy button and how to use it.
 */
export function DockerfileOffer({
  serviceId,
  repoUrl,
  branch,
  dockerfilePath,
}: {
  serviceId: string;
  repoUrl: string;
  branch: string | null;
  dockerfilePath: string;
}) {
  const action = useAction();
  const [result, setResult] = useState<GeneratedDockerfile | null>(null);
  const generate = () =>
    action.run(async () => {
      setResult(null);
      setResult(
        await api.ai.generateDockerfile({ repo_url: repoUrl, service_id: serviceId, ...(branch ? { branch } : {}) }),
      );
    });
  return (
    <div className="rounded-md border border-sky-200 p-3 dark:border-sky-900" data-testid="dockerfile-offer">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm">
          This build has no Dockerfile that works. Syntra can write one and build it to check it.
        </p>
        <Button size="sm" variant="secondary" disabled={action.pending} onClick={generate}>
          <Wand2 /> {action.pending ? "Writing and building…" : result ? "Generate again" : "Generate a Dockerfile"}
        </Button>
      </div>
      {action.error != null && <ErrorNote error={action.error} />}
      {result && (
        <div className="mt-3 flex flex-col gap-2">
          <div className="flex flex-wrap items-center gap-2 text-xs text-zinc-500">
            <span data-testid="dockerfile-verified">
              {result.verified ? (
                <Badge tone="green">built successfully</Badge>
              ) : (
                <Badge tone="amber">{result.verification.status === "skipped" ? "not built" : "did not build"}</Badge>
              )}
            </span>
            <span>
              {result.offline ? "offline generator" : `${result.provider} · ${result.model}`} · commit{" "}
              {result.commit_sha.slice(0, 7)}
              {result.attempts > 1 && ` · ${result.attempts} attempts`}
            </span>
          </div>
          <p className="text-sm" data-testid="dockerfile-explanation">
            {result.explanation}
          </p>
          <FileWithCopy testId="generated-dockerfile-offer" text={result.dockerfile} label="Copy the Dockerfile" />
          {!result.verified && (result.verification.reason || result.verification.log_tail) && (
            <pre className="max-h-48 overflow-auto rounded-md bg-zinc-950 p-3 font-mono text-xs text-zinc-200">
              {[result.verification.reason, result.verification.log_tail].filter(Boolean).join("\n\n")}
            </pre>
          )}
          {result.dockerignore !== null && (
            <>
              <p className="text-sm">
                The repository has no <code>.dockerignore</code>: commit this one with it, so <code>.env</code> files,
                keys and local dependencies stay out of the image (the check above built with it).
              </p>
              <FileWithCopy testId="generated-dockerignore" text={result.dockerignore} label="Copy the .dockerignore" />
            </>
          )}
          <p className="text-xs text-zinc-500">
            To use it: save it in the repository as <code>{dockerfilePath.replace(/^\.\//, "")}</code>, commit and push
            {branch ? ` to ${branch}` : ""}; the next build uses it.
          </p>
        </div>
      )}
    </div>
  );
}

/** A generated file's text with a button copying it. */
function FileWithCopy({ text, label, testId }: { text: string; label: string; testId: string }) {
  return (
    <div className="flex items-start gap-2">
      <pre
        data-testid={testId}
        className="max-h-96 flex-1 overflow-auto rounded-md bg-zinc-50 p-3 font-mono text-xs dark:bg-zinc-950"
      >
        {text}
      </pre>
      <CopyButton value={text} label={label} />
    </div>
  );
}
