import { Check, Copy } from "lucide-react";
import { useState } from "react";
import { Button } from "./ui/button";

/** Copies a value to the clipboard and says so. */
export function CopyButton({ value, label = "Copy" }: { value: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <Button
      size="sm"
      variant="secondary"
      aria-label={label}
      onClick={async () => {
        await navigator.clipboard?.writeText(value).catch(() => {});
        setCopied(true);
        setTimeout(() => setCopied(false), 1500);
      }}
    >
      {copied ? <Check /> : <Copy />}
      <span className="sr-only sm:not-sr-only">{copied ? "Copied" : "Copy"}</span>
    </Button>
  );
}

/** A one-time secret or command, in a monospace box with a copy button. */
export function SecretBox({ value, label }: { value: string; label: string }) {
  return (
    <div className="flex items-start gap-2">
      <code
        data-testid={label}
        title={label}
        className="block flex-1 overflow-x-auto rounded-md bg-zinc-900 p-3 font-mono text-xs break-all whitespace-pre-wrap text-zinc-100"
      >
        {value}
      </code>
      <CopyButton value={value} label={`Copy ${label}`} />
    </div>
  );
}
