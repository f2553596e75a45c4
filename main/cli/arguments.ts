// Reading a command's arguments: numbers, seconds, sizes, times. Nothing here loads the store.
import { endOfDay, parseInstant } from '../../shared/instant.js';
import { UsageError } from './usageError.js';

/** `--from`/`--to`: epoch milliseconds, or an ISO 8601 date or time (UTC unless it names a zone). */
export function parseTimeArgument(flag: string, text: string, end: 'start' | 'end'): number {
  const instant = parseInstant(text);
  if (!instant) throw new UsageError(`${flag} takes epoch milliseconds or an ISO 8601 date, not "${text}"`);
  // A bare date as an upper bound means the whole of that day.
  return instant.wholeDay && end === 'end' ? endOfDay(instant) : instant.ms;
}

export function parsePositiveInteger(flag: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${flag} takes a positive whole number, not "${text}"`);
  return Number(text);
}

/** A TCP port: 1–65535, or 0 for one the system picks. */
export function parsePort(flag: string, text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535)
    throw new UsageError(`${flag} takes a port from 1 to 65535 (0: any free one), not "${text}"`);
  return Number(text);
}

/** Seconds, fractions allowed: 5, 0.5. */
export function parsePositiveSeconds(flag: string, text: string): number {
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(text) || Number(text) <= 0)
    throw new UsageError(`${flag} takes a number of seconds such as 5 or 0.5, not "${text}"`);
  return Number(text);
}

/** 16M, 512K, 1G or a plain byte count. */
export function parseByteSize(flag: string, text: string): number {
  const match = /^(\d+)\s*([kmg]?)(i?b)?$/i.exec(text.trim());
  if (!match) throw new UsageError(`${flag} takes a size such as 16M or 1048576, not "${text}"`);
  const scale = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(match[1]) * scale;
}
