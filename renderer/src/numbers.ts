// Counts as the moderator reads them (1,234,567 in their locale). One formatter, made once:
// `n.toLocaleString()` builds a new one on every call (about 50 µs each in Chromium), which a room
// list of 500 rooms pays on every render. Same locale and options, so the same text.
const COUNT = new Intl.NumberFormat();

export function formatCount(n: number): string {
  return COUNT.format(n);
}
