// A search hit's snippet on PostgreSQL: the entry's content with each occurrence of a wanted
// phrase between the marks. (FTS5's snippet() also cuts a window of 24 tokens around the best
// match; the PostgreSQL store shows the whole content, marked: same hits, longer snippets.)
import { tokenSpans } from '../../../shared/tokenize.js';
import type { Phrase } from './textMatch.js';

export function markPhrases(content: string | null, phrases: readonly Phrase[], [open, close]: [string, string]): string {
  if (content === null) return '';
  if (phrases.length === 0) return content;
  const spans = tokenSpans(content);
  const ranges: Array<[number, number]> = [];
  for (const phrase of phrases) {
    const n = phrase.tokens.length;
    for (let i = 0; i + n <= spans.length; i++) {
      let matched = true;
      for (let j = 0; j < n && matched; j++) {
        const token = spans[i + j]!.token;
        const wanted = phrase.tokens[j]!;
        matched = phrase.prefix && j === n - 1 ? token.startsWith(wanted) : token === wanted;
      }
      if (matched) ranges.push([spans[i]!.start, spans[i + n - 1]!.end]);
    }
  }
  if (ranges.length === 0) return content;
  // Overlapping occurrences (a phrase inside another) are marked as one.
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [start, end] of ranges) {
    const last = merged.at(-1);
    if (last && start < last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  let out = '';
  let at = 0;
  for (const [start, end] of merged) {
    out += content.slice(at, start) + open + content.slice(start, end) + close;
    at = end;
  }
  return out + content.slice(at);
}
