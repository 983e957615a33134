import { Component, Suspense, type ErrorInfo, type ReactNode } from "react";

export interface ErrorBoundaryProps {
  /** Shown instead of the children once one of them threw while rendering (or failed to load). */
  fallback: ReactNode;
  onError?: (error: unknown, info: ErrorInfo) => void;
  children?: ReactNode;
}

/**
 * React's only way to contain a render error (a class component: there is no hook for it,
 * https://react.dev/reference/react/Component#catching-rendering-errors-with-an-error-boundary).
 * A lazy part whose chunk fails to load (a 404 after a redeploy) throws here too.
 */
export class ErrorBoundary extends Component<ErrorBoundaryProps, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    this.props.onError?.(error, info);
  }

  override render(): ReactNode {
    return this.state.failed ? this.props.fallback : this.props.children;
  }
}

export interface LazyPartProps {
  /** What shows while the part loads. */
  loading: ReactNode;
  /** The short note that takes its place when it cannot load or throws; the rest keeps working. */
  failed: string;
  children: ReactNode;
}

/** A part of the page that may fail without taking the profile form and Start button with it. */
export function LazyPart({ loading, failed, children }: LazyPartProps) {
  return (
    <ErrorBoundary
      fallback={
        <p className="lp-notice" role="status">
          {failed}
        </p>
      }
      onError={(error) => console.error(`Launchpad: ${failed}`, error)}
    >
      <Suspense fallback={loading}>{children}</Suspense>
    </ErrorBoundary>
  );
}
