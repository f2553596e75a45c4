// A control keeps the keyboard's focus while it cannot be used, and where its own action takes it
// away, focus goes to what replaces it. A `disabled` control loses focus (Chromium drops it to the
// page's body): Tab would start again from the top of the dialog or page, and the next key could
// land on another control. So a control unavailable for a while (its request is running, its field
// was emptied by its own action) is aria-disabled instead: it looks as a disabled control does (a
// busy one with the busy cursor), keeps its tab stop, and its handler does nothing meanwhile.
import { useLayoutEffect, useRef, type RefObject } from 'react';

/** The attributes of a control that cannot be used now (`off`), busy when its own request runs. */
export function unavailable(off: boolean, busy = false): { 'aria-disabled'?: true; 'data-busy'?: '' } {
  return { ...(off ? { 'aria-disabled': true } : {}), ...(busy ? { 'data-busy': '' } : {}) };
}

/**
 * Where a control's own action removes it (Claim becomes Release, Save becomes Edit), focus goes to
 * the first `selector` in `container` once it is gone, not to the page's body. The answer, called in
 * the control's handler, notes the control that has focus there; a focus moved elsewhere meanwhile stays.
 */
export function useFocusHandoff(container: RefObject<HTMLElement | null>, selector = 'button'): () => void {
  const from = useRef<Element | null>(null);
  useLayoutEffect(() => {
    const had = from.current;
    if (!had) return;
    const active = document.activeElement;
    if (had.isConnected) {
      if (active !== had) from.current = null; // the moderator moved on
      return;
    }
    from.current = null;
    // Gone with the focus: it fell to the body (or to a dialog around the container).
    if (active === null || active === document.body || (container.current && active.contains(container.current))) {
      const next = container.current?.querySelector<HTMLElement>(selector);
      next?.focus();
      // A text taken up again: the caret at its end, to go on typing.
      if (next instanceof HTMLTextAreaElement || next instanceof HTMLInputElement)
        next.setSelectionRange(next.value.length, next.value.length);
    }
  });
  return () => {
    const active = document.activeElement;
    if (active && container.current?.contains(active)) from.current = active;
  };
}

/** A button that cannot be used while `off` (see unavailable): its click does nothing then, and it says so. */
export function whenUsable(off: boolean, busy: boolean, act: () => unknown): ReturnType<typeof unavailable> & { onClick: () => void } {
  return {
    onClick: () => {
      if (!off) void act();
    },
    ...unavailable(off, busy),
  };
}
