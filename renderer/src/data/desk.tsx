// What every view needs to know about the desk: who is moderating, whether user IDs are shown as
// pseudonyms (stable for this database), the tags and their colours, and the watchlist's terms as a
// pattern to highlight. With pseudonyms on, no real user ID reaches the screen: a user, the IDs a
// room's name holds (a 1:1 room is named after both people), the IDs a note or an audit row names
// (useMentions), and the search box, which shows the pseudonyms and reads them back when typed.
import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';
import type { DeskSession, Tag } from '../../../shared/review';
import { watchHighlighter } from '../../../shared/watchTerm';
import { PSEUDONYM, pseudonymOf, withUsersShown } from '../../../shared/pseudonym';
import { useApi } from './useApi';
import type { Permission } from '../../../shared/access';

export { pseudonymOf };

export interface Desk {
  session: DeskSession | undefined;
  /** Whether the actor's role allows `permission` (false until the session is known): a control it does not allow is not offered. */
  may: (permission: Permission) => boolean;
  pseudonymise: boolean;
  setPseudonymise: (on: boolean) => void;
  /** A user as the desk shows them: their ID, or its pseudonym. */
  showUser: (userId: string) => string;
  /** A room's name as the desk shows it: with pseudonyms on, the user IDs in it (a 1:1 room's) as pseudonyms. */
  showRoom: (name: string) => string;
  /** Whether a name is a room in more than one chat domain: where it is shown, its domain is shown with it. */
  sharedRoomName: (name: string) => boolean;
  /** Free text (a note, an audit detail) with the user IDs it names (`mentions`, null while not known) shown as the desk shows users. */
  showText: (text: string, mentions: Iterable<string> | null) => string;
  /** Search text as the desk shows it: with pseudonyms on, the users of from: and the IDs in in: as pseudonyms. */
  showQuery: (query: string) => string;
  /** Search text as typed, read back: each pseudonym the desk has shown (or was told of) as the user ID it stands for. */
  realQuery: (typed: string) => string;
  /** Pseudonyms in typed text the desk cannot read back yet (never shown here): to ask main about. */
  unknownPseudonyms: (typed: string) => string[];
  /** Tells the desk what pseudonyms stand for (main's answer to unknownPseudonyms). */
  learnPseudonyms: (found: Record<string, string>) => void;
  tags: Map<string, Tag>;
  /** Matches watchlist terms in text, or null without terms it can mark. */
  watchPattern: RegExp | null;
}

const DeskContext = createContext<Desk | null>(null);

/** from:USER and in:ROOM in search text, as the search language reads them (shared/searchQuery.ts): bare or "quoted", at a word's start. */
const FILTER_VALUE = /(^|\s)(-?(?:from|in):)(?:"([^"]*)"?|(\S+))/gi;

/** `query` with the value of each from: and in: passed through `show` (told which key it is). */
function mapFilterValues(query: string, show: (value: string, key: 'from' | 'in') => string): string {
  return query.replace(FILTER_VALUE, (whole, space: string, key: string, quoted: string | undefined, bare: string | undefined) => {
    const value = (quoted ?? bare ?? '').trim();
    if (value === '') return whole;
    const shown = show(value, key.toLowerCase().replace('-', '').startsWith('from') ? 'from' : 'in');
    return `${space}${key}${quoted !== undefined || /\s/.test(shown) ? `"${shown}"` : shown}`;
  });
}

/** `query` with the user of each from: shown by `showUser`. */
export function queryWithUsers(query: string, showUser: (userId: string) => string): string {
  return mapFilterValues(query, (value, key) => (key === 'from' ? showUser(value) : value));
}

/** Pseudonyms the desk has made, and what they stand for: the search box reads them back. */
const standsFor = new Map<string, string>();

export function DeskProvider({ children }: { children: ReactNode }) {
  const session = useApi('session', {});
  const tags = useApi('tags', {});
  const terms = useApi('watchTerms', {});
  const rooms = useApi('rooms', { filter: '' });
  const [pseudonymise, setPseudonymise] = useState(() => localStorage.getItem('omv.pseudonymise') === '1');
  const [learnt, setLearnt] = useState(0);
  const value = useMemo((): Desk => {
    const salt = session.data?.pseudonymSalt ?? '';
    const list = terms.data ?? [];
    const pseudonym = (userId: string) => {
      const name = pseudonymOf(userId, salt);
      standsFor.set(name, userId);
      return name;
    };
    const showUser = (userId: string) => (pseudonymise ? pseudonym(userId) : userId);
    const nameUsers = new Map((rooms.data ?? []).map((room) => [room.name, room.nameUsers]));
    const allNameUsers = new Set((rooms.data ?? []).flatMap((room) => room.nameUsers));
    const showRoom = (name: string) => (pseudonymise ? withUsersShown(name, nameUsers.get(name) ?? allNameUsers, showUser) : name);
    const domainsOf = new Map<string, number>();
    for (const room of rooms.data ?? []) domainsOf.set(room.name, (domainsOf.get(room.name) ?? 0) + 1);
    const pseudonymsIn = (text: string) => (text.match(/user-[0-9a-z]{1,6}/g) ?? []).filter((w) => PSEUDONYM.test(w));
    return {
      session: session.data,
      may: (permission) => session.data?.permissions.includes(permission) ?? false,
      pseudonymise,
      setPseudonymise: (on) => {
        localStorage.setItem('omv.pseudonymise', on ? '1' : '0');
        setPseudonymise(on);
      },
      showUser,
      showRoom,
      sharedRoomName: (name) => (domainsOf.get(name) ?? 0) > 1,
      // With pseudonyms on, text is not shown before the IDs in it are known.
      showText: (text, mentions) => (!pseudonymise ? text : mentions === null ? '…' : withUsersShown(text, mentions, showUser)),
      showQuery: (query) =>
        pseudonymise
          ? mapFilterValues(query, (value, key) => (key === 'from' ? showUser(value) : withUsersShown(value, allNameUsers, showUser)))
          : query,
      realQuery: (typed) =>
        mapFilterValues(typed, (value, key) =>
          key === 'from' ? (standsFor.get(value) ?? value) : value.replace(/user-[0-9a-z]{1,6}/g, (w) => standsFor.get(w) ?? w),
        ),
      unknownPseudonyms: (typed) => pseudonymsIn(typed).filter((name) => !standsFor.has(name)),
      learnPseudonyms: (found) => {
        for (const [name, userId] of Object.entries(found)) standsFor.set(name, userId);
        setLearnt((n) => n + 1);
      },
      tags: new Map((tags.data ?? []).map((tag) => [tag.name, tag])),
      // A term this desk cannot mark (one an older omv stored) is skipped, and listed as such in the watchlist.
      watchPattern: watchHighlighter(list.map((t) => t.term)),
    };
    // `learnt` makes realQuery read what was learnt.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [session.data, tags.data, terms.data, rooms.data, pseudonymise, learnt]);
  return <DeskContext.Provider value={value}>{children}</DeskContext.Provider>;
}

export function useDesk(): Desk {
  const desk = useContext(DeskContext);
  if (!desk) throw new Error('useDesk outside DeskProvider');
  return desk;
}

/** The user IDs these texts name (asked only with pseudonyms on: it is what they hide); null until known. */
export function useMentions(texts: string[]): Set<string> | null {
  const desk = useDesk();
  const asked = useApi('mentionedUsers', { texts }, { enabled: desk.pseudonymise && texts.length > 0 });
  return useMemo(
    () => (!desk.pseudonymise || texts.length === 0 ? new Set() : asked.data ? new Set(asked.data) : null),
    [asked.data, desk.pseudonymise, texts.length],
  );
}
