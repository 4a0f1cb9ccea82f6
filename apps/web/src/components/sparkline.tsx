/** A row of bars for event counts per bucket (oldest first), sized to the largest; empty buckets show a baseline. */
export function Sparkline({ counts, label }: { counts: number[]; label: string }) {
  const max = Math.max(1, ...counts);
  const width = 96;
  const height = 24;
  const bar = width / Math.max(1, counts.length);
  return (
    <svg width={width} height={height} role="img" aria-label={label} className="text-indigo-500">
      <title>{label}</title>
      {counts.map((n, i) => {
        const h = n === 0 ? 1 : Math.max(2, (n / max) * height);
        return (
          <rect
            // biome-ignore lint/suspicious/noArrayIndexKey: buckets are positional
            key={i}
            x={i * bar + 0.5}
            y={height - h}
            width={Math.max(1, bar - 1)}
            height={h}
            className={n === 0 ? "fill-zinc-200 dark:fill-zinc-700" : "fill-current"}
          />
        );
      })}
    </svg>
  );
}
