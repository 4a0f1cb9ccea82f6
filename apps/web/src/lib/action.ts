import { useState } from "react";
import { invalidate } from "./query";

/**
 * A button's API call: runs it, refetches the queries under `keys` when it succeeds, keeps its error to
 * show (cleared on the next run), and says whether it is running.
 */
export function useAction() {
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const run = async (fn: () => Promise<unknown>, ...keys: string[]) => {
    setError(null);
    setPending(true);
    try {
      await fn();
      invalidate(...keys);
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };
  return { error, pending, run, setError };
}
