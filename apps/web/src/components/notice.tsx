import { CheckCircle2 } from "lucide-react";
import type { ReactNode } from "react";
import { cn } from "../lib/utils";

/** Good news in a box: something was done, and what happens next. */
export function Notice({ children, className }: { children: ReactNode; className?: string }) {
  return (
    <div
      role="status"
      className={cn(
        "flex items-start gap-3 rounded-md border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900 dark:border-emerald-900 dark:bg-emerald-950/50 dark:text-emerald-200",
        className,
      )}
    >
      <CheckCircle2 className="mt-0.5 size-4 shrink-0" aria-hidden />
      <div className="flex-1 break-words">{children}</div>
    </div>
  );
}
