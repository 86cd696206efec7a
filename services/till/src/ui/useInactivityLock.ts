import { useEffect, useRef } from 'react';

/** Calls `onIdle` once nobody has touched or typed for `idleMs` while `active`. */
export function useInactivityLock(active: boolean, idleMs: number, onIdle: () => void): void {
  const callback = useRef(onIdle);
  callback.current = onIdle;
  useEffect(() => {
    if (!active) return;
    let timer = setTimeout(() => callback.current(), idleMs);
    const reset = () => {
      clearTimeout(timer);
      timer = setTimeout(() => callback.current(), idleMs);
    };
    const events = ['pointerdown', 'keydown'] as const;
    for (const event of events) addEventListener(event, reset, { passive: true });
    return () => {
      clearTimeout(timer);
      for (const event of events) removeEventListener(event, reset);
    };
  }, [active, idleMs]);
}
