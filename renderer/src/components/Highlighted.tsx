// A search snippet with its matches highlighted — built from text nodes and <mark>, never HTML; a
// bidi override or isolate shown as its escape (Name.tsx).
import { SNIPPET_MARKS } from '../../../shared/api';
import { Visible } from './Name';

export function Highlighted({ snippet }: { snippet: string }) {
  const [open, close] = SNIPPET_MARKS;
  const parts: Array<{ text: string; hit: boolean }> = [];
  for (const piece of snippet.split(open)) {
    const end = piece.indexOf(close);
    if (end === -1) parts.push({ text: piece, hit: false });
    else parts.push({ text: piece.slice(0, end), hit: true }, { text: piece.slice(end + close.length), hit: false });
  }
  return (
    <>
      {parts.map((part, i) =>
        part.hit ? (
          <mark key={i}>
            <Visible text={part.text} kind="content" />
          </mark>
        ) : (
          <Visible key={i} text={part.text} kind="content" />
        ),
      )}
    </>
  );
}
