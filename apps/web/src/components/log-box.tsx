import { ArrowDownToLine } from "lucide-react";
import { type ReactNode, useLayoutEffect, useRef, useState } from "react";
import { cn } from "../lib/utils";
import { Button } from "./ui/button";

/** How close to the end (px) still counts as "at the end" when the reader scrolls. */
const AT_END_PX = 24;

/**
 * A growing text log in a box of fixed height (new output never moves the page), monospace. While "Follow"
 * is on it keeps the end in view; scrolling up turns it off, scrolling back to the end turns it on again.
 */
export function LogBox({
  label,
  text,
  placeholder,
  status,
  className,
}: {
  label: string;
  text: string;
  placeholder: string;
  status?: ReactNode;
  className?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [follow, setFollow] = useState(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: scrolls when the text grows
  useLayoutEffect(() => {
    const el = box.current;
    if (follow && el) el.scrollTop = el.scrollHeight;
  }, [text, follow]);
  const onScroll = () => {
    const el = box.current;
    if (!el) return;
    const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < AT_END_PX;
    if (atEnd !== follow) setFollow(atEnd);
  };
  return (
    <div className={cn("flex flex-col gap-1", className)}>
      <div className="flex h-8 items-center gap-2">
        <p className="text-xs font-medium text-zinc-500">{label}</p>
        <span className="truncate text-xs text-zinc-500" role="status">
          {status}
        </span>
        <Button
          size="sm"
          variant="ghost"
          className="ml-auto"
          aria-pressed={follow}
          title="Keep the end of the log in view"
          onClick={() => setFollow(!follow)}
        >
          <ArrowDownToLine className={follow ? "text-indigo-500" : undefined} /> Follow
        </Button>
      </div>
      <div
        ref={box}
        role="log"
        aria-label={label}
        onScroll={onScroll}
        className="h-80 overflow-auto rounded-md bg-zinc-950 p-3 font-mono text-xs leading-5 text-zinc-200"
      >
        {text ? (
          <pre className="font-mono break-all whitespace-pre-wrap">{text}</pre>
        ) : (
          <p className="text-zinc-500">{placeholder}</p>
        )}
      </div>
    </div>
  );
}
