// Where the moderator is: the browse view, and on top of it the views they opened (an entry in
// its context, a user's activity, the report queue and a report, the watchlist, the audit trail,
// the connection lists). Back (Esc) pops one; choosing a room or typing a search starts over from
// browsing. Each view keeps what it remembers (the page of hits, the entry selected) while views
// are opened on top of it, so Back returns to the same place; and every move from view to view
// asks for the new view's focus (its heading or first item, see focusView.ts), except typing a
// search, which keeps the caret in the search box.
import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import type { EntryRecord } from '../../../shared/entryRecord';

export type View =
  | { kind: 'browse' }
  | { kind: 'context'; entry: EntryRecord }
  | { kind: 'user'; userId: string; domain?: string }
  | { kind: 'reports'; text?: string }
  | { kind: 'report'; id: number }
  | { kind: 'watchlist' }
  | { kind: 'audit' }
  | { kind: 'snapshots' }
  | { kind: 'snapshot'; snapshot: 'rooms' | 'connections'; id: number };

interface Place {
  view: View;
  /** What the view's parts remember while others are opened on top of it. */
  memory: Map<string, unknown>;
}

const place = (view: View): Place => ({ view, memory: new Map() });

export function useNavigation() {
  const [stack, setStack] = useState<Place[]>(() => [place({ kind: 'browse' })]);
  /** Bumped by every move that should move focus to the new view. */
  const [focusRequest, setFocusRequest] = useState(0);
  const moved = useCallback((change: (s: Place[]) => Place[]) => {
    setStack(change);
    setFocusRequest((n) => n + 1);
  }, []);
  const top = stack.at(-1)!;
  return {
    view: top.view,
    memory: top.memory,
    depth: stack.length,
    canGoBack: stack.length > 1,
    focusRequest,
    open: useCallback((next: View) => moved((s) => [...s, place(next)]), [moved]),
    back: useCallback(() => moved((s) => (s.length > 1 ? s.slice(0, -1) : s)), [moved]),
    /** Back to browsing (a new search): focus stays where it is (the search box). */
    home: useCallback(() => setStack((s) => (s.length === 1 ? s : [s[0]!])), []),
    /** Back to browsing after choosing a room: focus goes to it. */
    homeAndFocus: useCallback(() => moved((s) => [s[0]!]), [moved]),
    /** Opens a view from the desk's menu: on top of browsing, not of whatever was open. */
    openFromMenu: useCallback((next: View) => moved((s) => [s[0]!, place(next)]), [moved]),
  };
}

/** The memory of the view being drawn. */
export const ViewMemory = createContext<Map<string, unknown>>(new Map());

/**
 * useState that the view remembers: a part drawn again after Back starts from what it had (the
 * page of hits it was on, the entry it had selected), not from the beginning.
 */
export function useRemembered<T>(key: string, initial: T | (() => T)): [T, (value: T | ((old: T) => T)) => void] {
  const memory = useContext(ViewMemory);
  const [value, setValue] = useState<T>(() =>
    memory.has(key) ? (memory.get(key) as T) : typeof initial === 'function' ? (initial as () => T)() : initial,
  );
  const latest = useRef(memory);
  useEffect(() => {
    latest.current = memory;
  });
  useEffect(() => {
    latest.current.set(key, value);
  }, [key, value]);
  return [value, setValue];
}
