// An entry's identity, beside its room and timestamp: what makes two deliveries of the same
// message one entry. The store keys entries by it; a purge finds a payload's purged messages by it.
import type { ChatEntry } from './payload.js';

/**
 * Part of an entry's identity: a 53-bit hash (cyrb53) of its type, user and content. With its
 * room and timestamp — the other columns of the unique index — two deliveries of the same message
 * share it; two different entries would have to collide within the same room and millisecond.
 * Cheap (no crypto, no allocation) and small in the index.
 */
export function entryKey(entry: ChatEntry): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  const mix = (code: number) => {
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  };
  const add = (text: string | null) => {
    if (text === null) return mix(1);
    mix(2);
    for (let i = 0; i < text.length; i++) mix(text.charCodeAt(i));
    mix(0);
  };
  add(entry.type);
  add(entry.userId);
  add(entry.content);
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
