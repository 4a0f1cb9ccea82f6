import { ExternalLink } from "lucide-react";
import { cn } from "../lib/utils";
import { buttonVariants } from "./ui/button";

/** "Open": the service's default URL in a new tab (it answers there with no DNS set up). */
export function OpenLink({ url, name, className }: { url: string; name: string; className?: string }) {
  return (
    <a
      href={url}
      target="_blank"
      rel="noreferrer"
      title={url}
      aria-label={`Open ${name} at ${url}`}
      className={cn(buttonVariants({ variant: "secondary", size: "sm" }), className)}
    >
      Open <ExternalLink className="size-3" aria-hidden />
    </a>
  );
}
