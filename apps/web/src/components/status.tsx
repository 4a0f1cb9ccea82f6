import { Badge } from "./ui/badge";

type Tone = "neutral" | "green" | "red" | "amber" | "blue";

const TONES: Record<string, Tone> = {
  online: "green",
  running: "green",
  verified: "green",
  active: "green",
  offline: "red",
  failed: "red",
  error: "red",
  rolled_back: "amber",
  cancelled: "neutral",
  queued: "neutral",
  pending_dns: "amber",
  pending: "amber",
  certificate_pending: "amber",
  deploying: "blue",
  building: "blue",
  pushing: "blue",
  updating: "blue",
};

const IN_PROGRESS = new Set(["deploying", "building", "pushing", "updating"]);

/** A status word with its color (or `label` in place of the word); in-progress ones pulse. */
export function StatusBadge({ status, label }: { status: string; label?: string }) {
  const tone = TONES[status] ?? "neutral";
  return (
    <Badge tone={tone} data-status={status}>
      <span
        aria-hidden
        className={`size-1.5 rounded-full bg-current ${IN_PROGRESS.has(status) ? "animate-pulse" : ""}`}
      />
      {label ?? status.replaceAll("_", " ")}
    </Badge>
  );
}
