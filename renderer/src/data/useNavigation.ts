// Where the moderator is: the browse view, and on top of it the views they opened (an entry in
// its context, a user's activity). Back (Esc) pops one; choosing a room or typing a search starts
// over from browsing.
import { useCallback, useState } from 'react';
import type { EntryRecord } from '../../../shared/entryRecord';

export type View = { kind: 'browse' } | { kind: 'context'; entry: EntryRecord } | { kind: 'user'; userId: string };

const BROWSE: View[] = [{ kind: 'browse' }];

export function useNavigation() {
  const [stack, setStack] = useState<View[]>(BROWSE);
  return {
    view: stack.at(-1)!,
    canGoBack: stack.length > 1,
    open: useCallback((next: View) => setStack((s) => [...s, next]), []),
    back: useCallback(() => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)), []),
    home: useCallback(() => setStack(BROWSE), []),
  };
}
