// Keys in a list of entries: ↑↓ or j k move the selection, Home and End jump, Enter opens, t tags.
export function gridKeys(
  event: React.KeyboardEvent,
  count: number,
  from: number,
  on: { move: (index: number) => void; open: () => void; review?: () => void },
): void {
  if (count === 0) return;
  const to: Record<string, number> = { ArrowDown: from + 1, j: from + 1, ArrowUp: from - 1, k: from - 1, Home: 0, End: count - 1 };
  if (event.key in to) {
    on.move(Math.max(0, Math.min(count - 1, to[event.key]!)));
    event.preventDefault();
  } else if (event.key === 'Enter') {
    on.open();
    event.preventDefault();
  } else if (event.key === 't' && on.review) {
    on.review();
    event.preventDefault();
  }
}
