// The search box's language: free text (words, "phrases", prefix*, -excluded) plus filter terms
// from:USER in:ROOM domain:ID type:TYPE before:DATE after:DATE tag:NAME has:note status:unreviewed. Parsing
// never throws: problems come back as messages, and a query with any is not run at all (the desk,
// omv search and omv export --query alike): half a query is a different query. Text that only
// excludes (`-spam`) selects every entry without those words. in:ROOM names a room by its name,
// by the start of it, or by words in it (in:250 finds room-250), in every chat domain unless
// domain:ID (the vendor's domainID) narrows it; either overrides the room chosen in the room list.
import type { EntryFilter } from './api.js';
import { ftsParts } from './ftsQuery.js';
import { endOfDay, parseInstant } from './instant.js';

export interface ParsedSearch {
  filter: EntryFilter;
  errors: string[];
}

const TERM = /(-?)(from|in|domain|type|before|after|tag|has|status):("([^"]*)"?|\S*)|("[^"]*"?|\S+)/gi;

/** A date for before:/after:: epoch ms, YYYY-MM-DD (a whole UTC day), or any ISO time. */
function parseDate(text: string, bound: 'before' | 'after'): number | null {
  const instant = parseInstant(text, 10);
  if (!instant) return null;
  // before:2024-03-02 means up to the end of the day before; after:2024-03-01 from the day after.
  if (bound === 'before') return instant.ms - 1;
  return instant.wholeDay ? endOfDay(instant) + 1 : instant.ms + 1;
}

export function parseSearch(input: string, base: EntryFilter = {}): ParsedSearch {
  const filter: EntryFilter = { ...base };
  const errors: string[] = [];
  const words: string[] = [];
  const typed = new Set<string>();
  for (const match of input.matchAll(TERM)) {
    const [, negated, key, rawValue, quotedValue, word] = match;
    if (word !== undefined) {
      words.push(word);
      continue;
    }
    const name = key!.toLowerCase();
    const value = (quotedValue ?? rawValue ?? '').trim();
    if (negated) errors.push(`-${name}: is not supported: leave the filter out instead`);
    else if (value === '') errors.push(`${name}: needs a value`);
    else if (name === 'from') filter.user = value;
    else if (name === 'in' || name === 'domain') {
      // A room choice of its own: the room (and its domain) chosen in the list give way to it.
      if (!typed.has('in') && !typed.has('domain')) {
        delete filter.room;
        delete filter.domain;
      }
      typed.add(name);
      if (name === 'in') filter.inRoom = value;
      else filter.domain = value;
    } else if (name === 'type') filter.type = value.toLowerCase();
    else if (name === 'tag') filter.tag = value;
    else if (name === 'has') {
      if (value.toLowerCase() === 'note') filter.hasNote = true;
      else errors.push(`has: takes note, not "${value}"`);
    } else if (name === 'status') {
      if (value.toLowerCase() === 'unreviewed') filter.unreviewed = true;
      else errors.push(`status: takes unreviewed, not "${value}"`);
    } else {
      const bound = name as 'before' | 'after';
      const ms = parseDate(value, bound);
      if (ms === null) errors.push(`${name}: "${value}" is not a date (try 2024-03-01 or 2024-03-01T12:00)`);
      else if (bound === 'before') filter.to = Math.min(filter.to ?? Infinity, ms);
      else filter.from = Math.max(filter.from ?? -Infinity, ms);
    }
  }
  const text = words.join(' ').trim();
  if (text !== '' && ftsParts(text) !== null) filter.text = text;
  return { filter, errors };
}

/**
 * The before:/after: of a query that name a time without a zone, as typed (`after:2024-03-01`):
 * they are read as UTC, and a desk showing another zone says so. Epoch ms and zoned times are
 * unambiguous; what is not a time at all is an error of parseSearch's.
 */
export function zonelessTimes(input: string): string[] {
  const found: string[] = [];
  for (const [, negated, key, rawValue, quotedValue] of input.matchAll(TERM)) {
    if (negated || key === undefined || !/^(before|after)$/i.test(key)) continue;
    const value = (quotedValue ?? rawValue ?? '').trim();
    if (/^\d+$/.test(value) || /(Z|[+-]\d{2}:?\d{2})$/i.test(value) || parseInstant(value, 10) === null) continue;
    found.push(`${key.toLowerCase()}:${value}`);
  }
  return found;
}
