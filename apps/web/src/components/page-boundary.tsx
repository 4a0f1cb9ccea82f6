import { Component, type ReactNode, Suspense } from "react";
import { ErrorNote, LoadingRows } from "./states";

/**
 * Where a page renders: a loading row while its code arrives, and the error in place of the page when it fails
 * to render, with the navigation around it still working. `resetKey` (the path) clears the error on the next page.
 */
export function PageBoundary({ resetKey, children }: { resetKey: string; children: ReactNode }) {
  return (
    <Catch resetKey={resetKey}>
      <Suspense fallback={<LoadingRows />}>{children}</Suspense>
    </Catch>
  );
}

class Catch extends Component<{ resetKey: string; children: ReactNode }, { error: unknown; key: string }> {
  override state = { error: undefined as unknown, key: this.props.resetKey };

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  static getDerivedStateFromProps(props: { resetKey: string }, state: { error: unknown; key: string }) {
    return props.resetKey === state.key ? null : { error: undefined, key: props.resetKey };
  }

  override render() {
    if (this.state.error === undefined) return this.props.children;
    return <ErrorNote error={this.state.error} onRetry={() => window.location.reload()} />;
  }
}
