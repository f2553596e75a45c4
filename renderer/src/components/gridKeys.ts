// Keys in a list of entries: ↑↓ or j k move the selection, Home and End jump, Enter opens, t tags,
// u opens the user's activity, w says who was there. Nothing here changes data: a stray key
// opens a view or a dialog at most.
export function gridKeys(
  event: React.KeyboardEvent,
  count: number,
  from: number,
  on: { move: (index: number) => void; open: () => void; review?: () => void; user?: () => void; who?: () => void },
): void {
  if (count === 0 || event.altKey || event.ctrlKey || event.metaKey) return;
  const to: Record<string, number> = {
    ArrowDown: from + 1,
    j: from + 1,
    ArrowUp: from - 1,
    k: from - 1,
    Home: 0,
    End: count - 1,
    PageDown: from + 10,
    PageUp: from - 10,
  };
  const action = { Enter: on.open, t: on.review, u: on.user, w: on.who }[event.key];
  if (event.key in to) {
    on.move(Math.max(0, Math.min(count - 1, to[event.key]!)));
    event.preventDefault();
  } else if (action) {
    action();
    event.preventDefault();
  }
}
