// A search snippet with its matches highlighted — built from text nodes and <mark>, never HTML.
import { SNIPPET_MARKS } from '../../../shared/api';

export function Highlighted({ snippet }: { snippet: string }) {
  const [open, close] = SNIPPET_MARKS;
  const parts: Array<{ text: string; hit: boolean }> = [];
  for (const piece of snippet.split(open)) {
    const end = piece.indexOf(close);
    if (end === -1) parts.push({ text: piece, hit: false });
    else parts.push({ text: piece.slice(0, end), hit: true }, { text: piece.slice(end + close.length), hit: false });
  }
  return <>{parts.map((part, i) => (part.hit ? <mark key={i}>{part.text}</mark> : part.text))}</>;
}
