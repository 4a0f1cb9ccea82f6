import { NavLink } from "react-router";
import { cn } from "../lib/utils";

const TABS = [
  { to: "/alerts", label: "Incidents", end: true },
  { to: "/alerts/rules", label: "Rules" },
  { to: "/alerts/channels", label: "Channels" },
  { to: "/alerts/silences", label: "Silences" },
  { to: "/uptime", label: "Uptime" },
  { to: "/status-pages", label: "Status pages" },
];

/** The tabs of the alerting pages. */
export function AlertsNav() {
  return (
    <nav aria-label="Alerting" className="mb-6 flex flex-wrap gap-1 border-b border-zinc-200 dark:border-zinc-800">
      {TABS.map((tab) => (
        <NavLink
          key={tab.to}
          to={tab.to}
          end={tab.end}
          className={({ isActive }) =>
            cn(
              "-mb-px border-b-2 border-transparent px-3 py-2 text-sm font-medium text-zinc-500 hover:text-zinc-900 dark:hover:text-zinc-100",
              isActive && "border-indigo-600 text-zinc-900 dark:text-zinc-100",
            )
          }
        >
          {tab.label}
        </NavLink>
      ))}
    </nav>
  );
}

/** Badge tone of a severity or an incident status. */
export function toneOf(value: string): "red" | "amber" | "green" | "blue" | "neutral" {
  switch (value) {
    case "critical":
    case "firing":
      return "red";
    case "warning":
    case "acknowledged":
      return "amber";
    case "resolved":
      return "green";
    case "info":
      return "blue";
    default:
      return "neutral";
  }
}
