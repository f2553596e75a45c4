// What every view needs to know about the desk: who is moderating, whether user IDs are shown as
// pseudonyms (stable for this database), the tags and their colours, and the watchlist's terms as a
// pattern to highlight.
import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';
import type { DeskSession, Tag } from '../../../shared/review';
import { watchHighlighter } from '../../../shared/watchTerm';
import { pseudonymOf } from '../../../shared/pseudonym';

export { pseudonymOf };
import { useApi } from './useApi';

export interface Desk {
  session: DeskSession | undefined;
  pseudonymise: boolean;
  setPseudonymise: (on: boolean) => void;
  /** A user as the desk shows them: their ID, or its pseudonym. */
  showUser: (userId: string) => string;
  /** Search text as the desk shows it: with pseudonyms on, each from:USER names the pseudonym. */
  showQuery: (query: string) => string;
  tags: Map<string, Tag>;
  /** Matches watchlist terms in text, or null without terms it can mark. */
  watchPattern: RegExp | null;
}

const DeskContext = createContext<Desk | null>(null);

/** from:USER in search text, as the search language reads it (shared/searchQuery.ts): bare or "quoted", at a word's start. */
const FROM_USER = /(^|\s)(-?from:)(?:"([^"]*)"?|(\S+))/gi;

/** `query` with the user of each from: shown by `showUser`. */
export function queryWithUsers(query: string, showUser: (userId: string) => string): string {
  return query.replace(FROM_USER, (whole, space: string, key: string, quoted: string | undefined, bare: string | undefined) => {
    const user = (quoted ?? bare ?? '').trim();
    return user === '' ? whole : `${space}${key}${showUser(user)}`;
  });
}

export function DeskProvider({ children }: { children: ReactNode }) {
  const session = useApi('session', {});
  const tags = useApi('tags', {});
  const terms = useApi('watchTerms', {});
  const [pseudonymise, setPseudonymise] = useState(() => localStorage.getItem('omv.pseudonymise') === '1');
  const value = useMemo((): Desk => {
    const salt = session.data?.pseudonymSalt ?? '';
    const list = terms.data ?? [];
    const showUser = (userId: string) => (pseudonymise ? pseudonymOf(userId, salt) : userId);
    return {
      session: session.data,
      pseudonymise,
      setPseudonymise: (on) => {
        localStorage.setItem('omv.pseudonymise', on ? '1' : '0');
        setPseudonymise(on);
      },
      showUser,
      showQuery: (query) => (pseudonymise ? queryWithUsers(query, showUser) : query),
      tags: new Map((tags.data ?? []).map((tag) => [tag.name, tag])),
      // A term this desk cannot mark (one an older omv stored) is skipped, and listed as such in the watchlist.
      watchPattern: watchHighlighter(list.map((t) => t.term)),
    };
  }, [session.data, tags.data, terms.data, pseudonymise]);
  return <DeskContext.Provider value={value}>{children}</DeskContext.Provider>;
}

export function useDesk(): Desk {
  const desk = useContext(DeskContext);
  if (!desk) throw new Error('useDesk outside DeskProvider');
  return desk;
}
