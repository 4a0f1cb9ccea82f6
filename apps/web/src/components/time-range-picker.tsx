import { RefreshCw } from "lucide-react";
import { type FormEvent, useState } from "react";
import { RANGE_PRESETS, type RangePreset, type useTimeRange } from "../lib/time-range";
import { Button } from "./ui/button";
import { Input, Select } from "./ui/input";

/** `<input type="datetime-local">` value of a date, in local time. */
function localInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The shared time range of a page: presets from 15 minutes to 30 days, or a custom from/to; held in the URL. */
export function TimeRangePicker({ time }: { time: ReturnType<typeof useTimeRange> }) {
  const { range } = time;
  const [custom, setCustom] = useState(false);
  const onCustom = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const from = new Date(String(data.get("from")));
    const to = new Date(String(data.get("to")));
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from >= to) return;
    time.setCustom(from, to);
    setCustom(false);
  };
  return (
    <div className="flex flex-wrap items-center gap-2">
      <Select
        aria-label="Time range"
        className="w-auto"
        value={custom ? "custom" : range.key}
        onChange={(e) => {
          if (e.target.value === "custom") setCustom(true);
          else {
            setCustom(false);
            time.setPreset(e.target.value as RangePreset);
          }
        }}
      >
        {RANGE_PRESETS.map((p) => (
          <option key={p.key} value={p.key}>
            {p.label}
          </option>
        ))}
        <option value="custom">{range.key === "custom" && !custom ? range.label : "Custom…"}</option>
      </Select>
      {custom && (
        <form className="flex flex-wrap items-center gap-2" onSubmit={onCustom} aria-label="Custom range">
          <Input
            type="datetime-local"
            name="from"
            aria-label="From"
            className="w-auto"
            defaultValue={localInput(range.from)}
          />
          <Input
            type="datetime-local"
            name="to"
            aria-label="To"
            className="w-auto"
            defaultValue={localInput(range.to)}
          />
          <Button type="submit" size="sm">
            Apply
          </Button>
        </form>
      )}
      <Button variant="ghost" size="sm" onClick={time.refresh} aria-label="Refresh" title="Refresh (now)">
        <RefreshCw />
      </Button>
    </div>
  );
}
