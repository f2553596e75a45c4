// Times as moderators read them: local or UTC (a toggle), the full instant on hover.
export type Zone = 'local' | 'utc';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function formatTime(ms: number, zone: Zone): string {
  const d = new Date(ms);
  const [y, mo, day, h, mi, s] =
    zone === 'utc'
      ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
      : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
  return `${y}-${pad(mo)}-${pad(day)} ${pad(h)}:${pad(mi)}:${pad(s)}${zone === 'utc' ? 'Z' : ''}`;
}

export function fullTime(ms: number): string {
  return `${new Date(ms).toISOString()} (${ms} ms)`;
}

export function relative(ms: number | null, now = Date.now()): string {
  if (ms === null) return 'never';
  const seconds = Math.round((now - ms) / 1000);
  if (seconds < 60) return 'just now';
  const units: Array<[number, string]> = [
    [60, 'min'],
    [24, 'h'],
    [30, 'd'],
    [12, 'mo'],
  ];
  let value = seconds / 60;
  let unit = 'min';
  for (const [size, name] of units) {
    unit = name;
    if (value < size) break;
    value /= size;
    if (name === 'mo') unit = 'y';
  }
  return `${Math.floor(value)} ${unit} ago`;
}
