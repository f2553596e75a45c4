// Where the moderator is: the browse view, and on top of it the views they opened (an entry in
// its context, a user's activity, the report queue and a report, the watchlist, the audit trail). Back (Esc) pops one; choosing a room or typing a search starts
// over from browsing.
import { useCallback, useState } from 'react';
import type { EntryRecord } from '../../../shared/entryRecord';

export type View =
  | { kind: 'browse' }
  | { kind: 'context'; entry: EntryRecord }
  | { kind: 'user'; userId: string }
  | { kind: 'reports' }
  | { kind: 'report'; id: number }
  | { kind: 'watchlist' }
  | { kind: 'audit' };

const BROWSE: View[] = [{ kind: 'browse' }];

export function useNavigation() {
  const [stack, setStack] = useState<View[]>(BROWSE);
  return {
    view: stack.at(-1)!,
    canGoBack: stack.length > 1,
    open: useCallback((next: View) => setStack((s) => [...s, next]), []),
    back: useCallback(() => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)), []),
    home: useCallback(() => setStack(BROWSE), []),
    /** Opens a view from the desk's menu: on top of browsing, not of whatever was open. */
    openFromMenu: useCallback((next: View) => setStack([...BROWSE, next]), []),
  };
}
