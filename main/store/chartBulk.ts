// Where the activity chart's bars go when a few entries lie far from the rest (one in 2005 among a
// year of 2020): both stores' charts set them apart the same way.

/**
 * The hours holding the bulk of the entries, when a few far away would squeeze the chart: the
 * points a small share in from each end (0.1%, or three entries in a small set), widened by half
 * their distance (so no part of the bulk is cut), used when the whole span is more than three
 * times that. Null when nothing lies that far out.
 */
export function bulkOf(perHour: Map<number, number>): { first: number; last: number } | null {
  const hours = [...perHour.keys()].sort((a, b) => a - b);
  const total = hours.reduce((sum, hour) => sum + perHour.get(hour)!, 0);
  const quantile = (share: number) => {
    let seen = 0;
    for (const hour of hours) if ((seen += perHour.get(hour)!) >= share * total) return hour;
    return hours.at(-1)!;
  };
  const share = Math.max(0.001, Math.min(0.05, 3 / total));
  const [low, high] = [quantile(share), quantile(1 - share)];
  const margin = Math.max(24, (high - low) / 2);
  const first = hours.find((hour) => hour >= low - margin)!;
  const last = hours.findLast((hour) => hour <= high + margin)!;
  return hours.at(-1)! - hours[0]! > 3 * (last - first + 1) ? { first, last } : null;
}
