// `@syntra/sdk/react`: an error boundary that reports what it catches (React 18 and 19; a client component in
// Next.js). Written without JSX so the package needs no JSX transform.
import { Component, createElement, type ErrorInfo, type ReactNode } from "react";
import { captureException } from "../core/api";

/** What a fallback is given: the error and a function that renders the children again. */
export interface FallbackProps {
  error: unknown;
  reset: () => void;
}

/** Props of ErrorBoundary. */
export interface ErrorBoundaryProps {
  children?: ReactNode;
  /** Shown instead of the children after an error: an element, or a function of the error and a reset. */
  fallback?: ReactNode | ((props: FallbackProps) => ReactNode);
  /** Called after the error was reported, with its event id. */
  onError?: (error: unknown, eventId: string) => void;
}

interface State {
  error: unknown;
  failed: boolean;
}

/**
 * Catches errors thrown while rendering its children, reports them (with React's component stack) and shows the
 * fallback. Use it around parts of a page, or in a Next.js `error.tsx`/`global-error.tsx` call captureException.
 */
export class ErrorBoundary extends Component<ErrorBoundaryProps, State> {
  override state: State = { error: undefined, failed: false };

  static getDerivedStateFromError(error: unknown): State {
    return { error, failed: true };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    const eventId = captureException(error, {
      handled: true,
      mechanism: "react.errorboundary",
      extra: { componentStack: info.componentStack ?? "" },
    });
    this.props.onError?.(error, eventId);
  }

  private readonly reset = () => this.setState({ error: undefined, failed: false });

  override render(): ReactNode {
    if (!this.state.failed) return this.props.children;
    const { fallback } = this.props;
    if (typeof fallback === "function") return fallback({ error: this.state.error, reset: this.reset });
    return fallback ?? createElement("p", { role: "alert" }, "Something went wrong.");
  }
}
