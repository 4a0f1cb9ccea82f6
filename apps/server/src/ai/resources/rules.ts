import type { AIRecommendation, AIRecommendations } from "@syntra/contracts";

const MIB = 1024 * 1024;

/** Hours of container figures a suggestion needs: a full day, so a daily peak has been seen at least once. */
export const NEEDED_HOURS = 24;

/** The service's settings a recommendation compares against. */
export type CurrentSettings = AIRecommendations["current"];

/** What the rules read: the usage figures of the window, and the samples behind `steps_at_cpu_limit`. */
export type Usage = AIRecommendations["usage"];

/** A suggestion before it gets an id and a time. */
type Suggestion = Omit<AIRecommendation, "id" | "service_id" | "created_at">;

/** CPUs of a limit ("0.5", "2"), or null without one. */
export function cpuCores(limit: string | null): number | null {
  return limit === null ? null : Number(limit);
}

/** Bytes of a memory limit ("512m", "1g", "65536k"), or null without one. */
export function memoryBytes(limit: string | null): number | null {
  if (limit === null) return null;
  const unit = { k: 1024, m: MIB, g: 1024 * MIB }[limit.slice(-1) as "k" | "m" | "g"];
  return Number(limit.slice(0, -1)) * unit;
}

/** CPUs as a limit setting: rounded up to 0.1 core, at least 0.1 ("0.3", "1.2", "2"). */
function cpuSetting(cores: number): string {
  const tenths = Math.max(1, Math.ceil(cores * 10 - 1e-9));
  return tenths % 10 === 0 ? String(tenths / 10) : (tenths / 10).toFixed(1);
}

/** Bytes as a limit setting: rounded up to 64 MiB, at least 64 MiB; whole gibibytes as "g" ("320m", "2g"). */
function memorySetting(bytes: number): string {
  const mib = Math.max(64, Math.ceil(bytes / MIB / 64 - 1e-9) * 64);
  return mib % 1024 === 0 ? `${mib / 1024}g` : `${mib}m`;
}

/** "0.42 cores", "310 MiB": figures as people read them. */
export function showCores(cores: number): string {
  return `${cores.toFixed(2)} cores`;
}
export function showBytes(bytes: number): string {
  return bytes >= 1024 * MIB ? `${(bytes / 1024 / MIB).toFixed(2)} GiB` : `${Math.round(bytes / MIB)} MiB`;
}

/** A limit this much above the suggestion is worth lowering; closer than that it is left alone. */
const LOWER_WHEN_ABOVE = 1.5;
/** Replicas are sized so the service's p95 total CPU is this share of replicas × the CPU limit. */
const TARGET_UTILIZATION = 0.7;

/**
 * The deterministic resource rules (the numbers always come from here, whatever phrases the explanation):
 * - CPU limit per container: 1.5 × p95 of the 5-minute averages or the highest sample, whichever is higher, rounded
 *   up to 0.1 core (a CPU limit throttles, it does not kill, so bursts up to the peak stay unthrottled).
 * - Memory limit: 1.25 × the peak or 1.5 × p95, whichever is higher, rounded up to 64 MiB (a memory limit kills);
 *   after an OOM kill, while the limit is below 1.5 × the peak seen, at least 1.5 × the current limit (the peak
 *   seen was capped by it, or missed between heartbeats). Never lowered in a window with an OOM kill.
 * - A limit is suggested where there is none, raised when below the suggestion, lowered when more than 1.5 × it.
 * - Replicas, against the current CPU limit: enough that the p95 of all containers' CPU together is at most 70% of
 *   replicas × limit; fewer only down to 2 (a service with 2 or more keeps its redundancy).
 */
export function recommend(current: CurrentSettings, usage: Usage): { suggestions: Suggestion[]; notes: string[] } {
  const suggestions: Suggestion[] = [];
  const notes: string[] = [];
  const cpu = usage.cpu_cores;
  if (cpu) {
    const rule = "1.5 × p95 or the peak, whichever is higher, rounded up to 0.1 core";
    const suggested = cpuSetting(Math.max(1.5 * cpu.p95, cpu.peak));
    const now = cpuCores(current.cpu_limit);
    const figures = `p95 ${showCores(cpu.p95)}, peak ${showCores(cpu.peak)} per container`;
    const basis = {
      measure: "cpu_cores" as const,
      p95: cpu.p95,
      peak: cpu.peak,
      rule,
      current_limit: current.cpu_limit,
    };
    if (now === null) {
      suggestions.push({
        kind: "reliability",
        title: `Set a CPU limit of ${suggested}`,
        description: `No CPU limit: one busy container can take the server's CPU from its neighbours. Over 7 days: ${figures}.`,
        current: { cpu_limit: null },
        suggested: { cpu_limit: suggested },
        basis,
      });
    } else if (Number(suggested) > now) {
      suggestions.push({
        kind: "reliability",
        title: `Raise the CPU limit from ${current.cpu_limit} to ${suggested}`,
        description: `The limit leaves too little headroom (${figures}; limit ${now} cores): the container is throttled at its busiest.`,
        current: { cpu_limit: current.cpu_limit },
        suggested: { cpu_limit: suggested },
        basis,
      });
    } else if (now > LOWER_WHEN_ABOVE * Number(suggested)) {
      suggestions.push({
        kind: "rightsizing",
        title: `Lower the CPU limit from ${current.cpu_limit} to ${suggested}`,
        description: `The containers use far less than the limit (${figures}; limit ${now} cores).`,
        current: { cpu_limit: current.cpu_limit },
        suggested: { cpu_limit: suggested },
        basis,
      });
    } else {
      notes.push(`The CPU limit ${current.cpu_limit} fits (${figures}).`);
    }
  }
  const memory = usage.memory_bytes;
  if (memory) {
    const oom = usage.oom_kills > 0;
    const now = memoryBytes(current.memory_limit);
    // A kill at a limit close to the sampled peak says the true peak (between heartbeats) went higher; once the limit
    // is 1.5 × the peak seen, the kill counts as answered (else the floor would ratchet up with every change).
    const afterOom = oom && now !== null && now < 1.5 * memory.peak;
    const rule = `1.25 × the peak or 1.5 × p95, whichever is higher, rounded up to 64 MiB${afterOom ? "; after an OOM kill at least 1.5 × the current limit" : ""}`;
    const suggested = memorySetting(Math.max(1.25 * memory.peak, 1.5 * memory.p95, afterOom ? 1.5 * now : 0));
    const target = memoryBytes(suggested) ?? 0;
    const figures = `p95 ${showBytes(memory.p95)}, peak ${showBytes(memory.peak)} per container${oom ? `, ${usage.oom_kills} OOM kill${usage.oom_kills === 1 ? "" : "s"}` : ""}`;
    const basis = {
      measure: "memory_bytes" as const,
      p95: memory.p95,
      peak: memory.peak,
      rule,
      current_limit: current.memory_limit,
    };
    if (now === null) {
      suggestions.push({
        kind: "reliability",
        title: `Set a memory limit of ${suggested}`,
        description: `No memory limit: a leak can exhaust the server's memory for every service on it. Over 7 days: ${figures}.`,
        current: { memory_limit: null },
        suggested: { memory_limit: suggested },
        basis,
      });
    } else if (target > now) {
      suggestions.push({
        kind: "reliability",
        title: `Raise the memory limit from ${current.memory_limit} to ${suggested}`,
        description: oom
          ? `The kernel killed containers for memory (${figures}; limit ${showBytes(now)}).`
          : `The peak comes too close to the limit (${figures}; limit ${showBytes(now)}).`,
        current: { memory_limit: current.memory_limit },
        suggested: { memory_limit: suggested },
        basis,
      });
    } else if (!oom && now > LOWER_WHEN_ABOVE * target) {
      suggestions.push({
        kind: "rightsizing",
        title: `Lower the memory limit from ${current.memory_limit} to ${suggested}`,
        description: `The containers use far less than the limit (${figures}; limit ${showBytes(now)}).`,
        current: { memory_limit: current.memory_limit },
        suggested: { memory_limit: suggested },
        basis,
      });
    } else {
      notes.push(`The memory limit ${current.memory_limit} fits (${figures}).`);
    }
  }
  const total = usage.total_cpu_cores;
  const limit = cpuCores(current.cpu_limit);
  if (total && limit !== null && current.replicas > 0) {
    const needed = Math.max(1, Math.ceil(total.p95 / (TARGET_UTILIZATION * limit) - 1e-9));
    const figures = `all containers together: p95 ${showCores(total.p95)}, peak ${showCores(total.peak)}; ${current.replicas} × ${limit} cores`;
    const rule = `enough replicas for p95 total CPU at ${TARGET_UTILIZATION * 100}% of replicas × the CPU limit; not fewer than 2 when there are 2 or more`;
    const basis = {
      measure: "total_cpu_cores" as const,
      p95: total.p95,
      peak: total.peak,
      rule,
      current_limit: String(current.replicas),
    };
    const fewer = current.replicas > 2 ? Math.max(2, needed) : current.replicas;
    if (needed > current.replicas) {
      suggestions.push({
        kind: "scaling",
        title: `Run ${needed} replicas instead of ${current.replicas}`,
        description: `The service's CPU is near what its replicas may use (${figures}).`,
        current: { replicas: current.replicas },
        suggested: { replicas: needed },
        basis,
      });
    } else if (fewer < current.replicas) {
      suggestions.push({
        kind: "cost",
        title: `Run ${fewer} replicas instead of ${current.replicas}`,
        description: `${fewer} replicas carry the load (${figures}).`,
        current: { replicas: current.replicas },
        suggested: { replicas: fewer },
        basis,
      });
    } else {
      notes.push(`${current.replicas} replica${current.replicas === 1 ? "" : "s"} carry the load (${figures}).`);
    }
  } else if (total && limit === null) {
    notes.push("Replicas are judged against the CPU limit: set one first.");
  }
  return { suggestions, notes };
}
