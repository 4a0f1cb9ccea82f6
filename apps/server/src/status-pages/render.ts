import { escapeHtml as e } from "../mail/messages";
import type { ComponentState, PublicStatus } from "./public-status";

const LABEL: Record<ComponentState, string> = {
  operational: "Operational",
  degraded: "Degraded performance",
  partial_outage: "Partial outage",
  major_outage: "Major outage",
  maintenance: "Under maintenance",
  unknown: "No data",
};
const COLOUR: Record<ComponentState, string> = {
  operational: "#16a34a",
  degraded: "#ca8a04",
  partial_outage: "#ea580c",
  major_outage: "#dc2626",
  maintenance: "#2563eb",
  unknown: "#a1a1aa",
};
const BANNER: Record<ComponentState, string> = {
  operational: "All systems operational",
  degraded: "Some systems degraded",
  partial_outage: "Partial outage",
  major_outage: "Major outage",
  maintenance: "Maintenance in progress",
  unknown: "All systems operational",
};

function dayColour(uptime: number | null): string {
  if (uptime === null) return "#e4e4e7";
  if (uptime >= 99.9) return "#16a34a";
  if (uptime >= 99) return "#84cc16";
  if (uptime >= 95) return "#ca8a04";
  return "#dc2626";
}

const time = (iso: string) => `<time datetime="${e(iso)}">${e(iso.slice(0, 16).replace("T", " "))} UTC</time>`;

function incidentHtml(i: PublicStatus["active"][number], names: Map<string, string>): string {
  const affected = i.component_ids.map((id) => names.get(id)).filter((n): n is string => n !== undefined);
  const window =
    i.scheduled_start && i.scheduled_end
      ? `<p class="muted">Scheduled ${time(i.scheduled_start)} – ${time(i.scheduled_end)}</p>`
      : "";
  return `<article class="incident impact-${e(i.impact)}"><h3>${e(i.title)}</h3>${window}${
    affected.length > 0 ? `<p class="muted">Affects ${affected.map(e).join(", ")}</p>` : ""
  }<ol class="updates">${i.updates
    .map(
      (u) =>
        `<li><strong>${e(u.status.replace("_", " "))}</strong> — ${e(u.message)} <span class="muted">${time(u.created_at)}</span></li>`,
    )
    .join("")}</ol></article>`;
}

/** The status page as one self-contained HTML document: no script, inline CSS, readable on a phone. */
export function renderStatusPage(s: PublicStatus): string {
  const components = s.components
    .map(
      (c) => `<li class="component" data-state="${c.state}">
  <div class="row"><span class="name">${e(c.name)}</span><span class="state" style="color:${COLOUR[c.state]}">${LABEL[c.state]}</span></div>
  ${c.description ? `<p class="muted">${e(c.description)}</p>` : ""}
  <div class="bars" role="img" aria-label="Uptime of the last 90 days">${c.days
    .map(
      (d) =>
        `<span style="background:${dayColour(d.uptime)}" title="${d.date}: ${d.uptime === null ? "no data" : `${d.uptime}% uptime`}"></span>`,
    )
    .join("")}</div>
  <div class="row muted small"><span>90 days ago</span><span>${c.uptime90d === null ? "" : `${c.uptime90d}% uptime`}</span><span>Today</span></div>
</li>`,
    )
    .join("\n");
  const section = (title: string, list: PublicStatus["active"]) =>
    list.length === 0
      ? ""
      : `<section><h2>${title}</h2>${list.map((i) => incidentHtml(i, s.componentNames)).join("")}</section>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(s.title)} status</title>
<style>
body{font-family:system-ui,-apple-system,sans-serif;color:#18181b;background:#fafafa;margin:0;line-height:1.45}
main{max-width:720px;margin:0 auto;padding:24px 16px}
h1{font-size:1.6rem;margin:0 0 4px}h2{font-size:1.1rem;margin:28px 0 10px}h3{font-size:1rem;margin:0 0 4px}
.banner{border-radius:8px;padding:14px 16px;color:#fff;font-weight:600;margin:20px 0}
ul{list-style:none;padding:0;margin:0}.component{background:#fff;border:1px solid #e4e4e7;border-radius:8px;padding:12px 14px;margin-bottom:10px}
.row{display:flex;justify-content:space-between;gap:8px;align-items:baseline}.name{font-weight:600}.state{font-size:.9rem;white-space:nowrap}
.bars{display:flex;gap:1px;height:28px;margin:10px 0 4px}.bars span{flex:1;border-radius:1px;min-width:1px}
.muted{color:#71717a}.small{font-size:.78rem}p{margin:4px 0}
.incident{background:#fff;border:1px solid #e4e4e7;border-left:4px solid #ca8a04;border-radius:8px;padding:12px 14px;margin-bottom:10px}
.impact-critical,.impact-major{border-left-color:#dc2626}.impact-none{border-left-color:#2563eb}
.updates{padding-left:18px;margin:6px 0 0}.updates li{margin:4px 0}
footer{margin:32px 0 8px;font-size:.8rem;color:#a1a1aa}
</style></head>
<body><main>
<h1>${e(s.title)}</h1>${s.description ? `<p class="muted">${e(s.description)}</p>` : ""}
<div class="banner" id="overall" data-state="${s.overall}" style="background:${COLOUR[s.overall]}">${BANNER[s.overall]}</div>
${section("Current incidents", s.active)}
${section("Scheduled maintenance", s.upcoming)}
<section><h2>Components</h2><ul>
${components || '<li class="muted">No components yet.</li>'}
</ul></section>
${section("Past incidents (14 days)", s.past)}
<footer>Updated ${time(s.generatedAt.toISOString())} · Powered by Syntra</footer>
</main></body></html>`;
}
