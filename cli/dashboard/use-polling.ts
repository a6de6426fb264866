/**
 * Reads a snapshot now and again every `intervalMs`, one read at a time,
 * for as long as `key` stays the same. A new key starts over (the old
 * snapshot is dropped, so a screen never shows another screen's data).
 */
import { useCallback, useEffect, useRef, useState } from "react";

import { errorMessage } from "../../core/errors.ts";

export interface Polled<T> {
  readonly value: T | undefined;
  /** Why the latest read failed; the last good value stays. */
  readonly error: string | undefined;
  /** Reads again now (after an action). */
  readonly refresh: () => void;
}

export function usePolling<T>(
  key: string,
  load: () => Promise<T>,
  intervalMs: number,
): Polled<T> {
  const [state, setState] = useState<{
    key: string;
    value?: T;
    error?: string;
  }>({ key });
  const wake = useRef<() => void>(() => {});
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let reading = false;
    let again = false;

    const read = async () => {
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      clearTimeout(timer);
      try {
        const value = await loadRef.current();
        if (!stopped) setState({ key, value });
      } catch (error) {
        if (!stopped) {
          setState((s) => ({ ...s, key, error: errorMessage(error) }));
        }
      } finally {
        reading = false;
        if (!stopped) {
          if (again) {
            again = false;
            void read();
          } else {
            timer = setTimeout(() => void read(), intervalMs);
          }
        }
      }
    };
    wake.current = () => void read();
    setState({ key });
    void read();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [key, intervalMs]);

  const refresh = useCallback(() => wake.current(), []);
  const current = state.key === key;
  return {
    value: current ? state.value : undefined,
    error: current ? state.error : undefined,
    refresh,
  };
}
