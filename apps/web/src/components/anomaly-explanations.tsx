import type { AIAnomalyBand } from "@syntra/contracts";
import { Link } from "react-router";

type Anomaly = AIAnomalyBand["anomalies"][number];

const link = "font-mono text-indigo-600 hover:underline dark:text-indigo-400";
const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

/**
 * The anomalies of the detector's answer, newest first, each with its explanation: the one-sentence likeliest cause
 * and links to the deployments, issues and example traces of its window. `base` is the service's page path.
 */
export function AnomalyExplanations({ anomalies, base }: { anomalies: Anomaly[]; base: string }) {
  if (anomalies.length === 0) return null;
  return (
    <ul className="mt-3 flex flex-col gap-3 text-sm" aria-label="Anomalies explained">
      {[...anomalies].reverse().map((a) => (
        <li key={a.from} className="flex flex-col gap-1" data-testid="anomaly-explanation">
          <span className="text-xs text-zinc-500">
            {time(a.from)} – {time(a.to)}
          </span>
          {a.explanation ? (
            <>
              <span>{a.explanation.summary}</span>
              <span className="flex flex-wrap gap-x-3 gap-y-1 text-xs">
                {a.explanation.deployments.map((d) => (
                  <Link key={d.id} to={`${base}/deployments?d=${d.id}`} className={link}>
                    deploy {d.commit_sha?.slice(0, 7) ?? d.id.slice(0, 8)}
                  </Link>
                ))}
                {a.explanation.issues.map((i) => (
                  <Link key={i.id} to={`/issues/${i.id}`} className={link} title={i.title}>
                    {i.kind} issue ({i.events_in_window})
                  </Link>
                ))}
                {a.explanation.traces.map((t) => (
                  <Link
                    key={t.trace_id}
                    to={`${base}/traces/${t.trace_id}`}
                    className={link}
                    title={`${t.root_operation} · ${t.status}`}
                  >
                    trace {t.trace_id.slice(0, 8)} {Math.round(t.duration_ms)} ms{t.status === "error" ? " ✗" : ""}
                  </Link>
                ))}
              </span>
            </>
          ) : (
            <span className="text-zinc-500">Older than the explained ones.</span>
          )}
        </li>
      ))}
    </ul>
  );
}
