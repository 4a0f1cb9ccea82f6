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
  certificate_pending: "amber",
  deploying: "blue",
  building: "blue",
  pushing: "blue",
  updating: "blue",
};

const IN_PROGRESS = new Set(["deploying", "building", "pushing", "updating"]);

/** A status word with its color; in-progress ones pulse. Fixed width words, so lists do not shift. */
export function StatusBadge({ status }: { status: string }) {
  const tone = TONES[status] ?? "neutral";
  return (
    <Badge tone={tone} data-status={status}>
      <span
        aria-hidden
        className={`size-1.5 rounded-full bg-current ${IN_PROGRESS.has(status) ? "animate-pulse" : ""}`}
      />
      {status.replaceAll("_", " ")}
    </Badge>
  );
}
