// Text with the watchlist's terms marked — text nodes and <mark>, never HTML; a bidi override or
// isolate shown as its escape (Name.tsx).
import { Visible } from './Name';

export function WatchMarked({ text, pattern }: { text: string; pattern: RegExp | null }) {
  if (!pattern || text === '') return <Visible text={text} kind="content" />;
  const parts: Array<{ text: string; hit: boolean }> = [];
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match[0] === '') continue;
    parts.push({ text: text.slice(last, match.index), hit: false }, { text: match[0], hit: true });
    last = match.index + match[0].length;
  }
  if (parts.length === 0) return <Visible text={text} kind="content" />;
  parts.push({ text: text.slice(last), hit: false });
  return (
    <>
      {parts.map((part, i) =>
        part.hit ? (
          <mark key={i} className="watch-mark" title="on the watchlist">
            <Visible text={part.text} kind="content" />
          </mark>
        ) : (
          <Visible key={i} text={part.text} kind="content" />
        ),
      )}
    </>
  );
}
