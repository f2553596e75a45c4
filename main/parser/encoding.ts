// Which text encoding a payload's bytes are in. The vendor declares utf-8 or iso-8859-1, and the
// declaration is not always true: bytes that are valid UTF-8 are read as UTF-8 whatever the
// declaration says (Latin-1 text with accents is almost never valid UTF-8), anything else in the
// declared single-byte encoding, or windows-1252 when the declaration itself claimed UTF-8.

const UTF8 = 'utf-8';
/** UTF-8 read leniently: bytes that are not UTF-8 become U+FFFD (a label of ours, not TextDecoder's). */
export const UTF8_LENIENT = 'utf-8 (lenient)';
const FALLBACK = 'windows-1252'; // what browsers read "iso-8859-1" as: a superset of Latin-1

/** The encoding named in the XML declaration, if any (`<?xml version='1.0' encoding='…'?>`). */
export function declaredEncoding(head: Uint8Array): string | null {
  const prolog = new TextDecoder('latin1').decode(head.subarray(0, 256));
  const match = /^\uFEFF?\s*<\?xml[^>]*?encoding\s*=\s*\\?["']([A-Za-z0-9._-]+)\\?["']/.exec(prolog);
  return match?.[1]?.toLowerCase() ?? null;
}

/** A UTF-16 byte-order mark decides by itself. */
function byteOrderMark(head: Uint8Array): string | null {
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return null;
}

/** A TextDecoder label for an encoding name, or null when the platform has no such decoder. */
function supported(label: string): string | null {
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return null;
  }
}

/**
 * The encodings to try, in order: the first is strict (it throws on bytes it cannot decode), the
 * last never fails. `head` is the start of the document (its first few hundred bytes suffice).
 */
export function encodingCandidates(head: Uint8Array): string[] {
  const bom = byteOrderMark(head);
  if (bom) return [bom];
  const declared = declaredEncoding(head);
  const declaredLabel = declared ? supported(declared) : null;
  const fallback = declaredLabel && declaredLabel !== UTF8 && !declaredLabel.startsWith('utf-16') ? declaredLabel : FALLBACK;
  return [UTF8, fallback];
}

/**
 * Says how a document was read, when that differs from what it declared (no declaration means
 * UTF-8, or UTF-16 with a byte-order mark). Nothing to say for a document all in ASCII read in an
 * encoding that shares ASCII: every declaration of that kind reads it the same.
 */
export function encodingNote(head: Uint8Array, used: string, allAscii = false): string | null {
  const declared = declaredEncoding(head);
  const declaredLabel = declared === null ? (byteOrderMark(head) ?? UTF8) : (supported(declared) ?? declared);
  if (declaredLabel === used) return null;
  // "utf-16" names either byte order: the byte-order mark says which.
  if (declared === 'utf-16' && used.startsWith('utf-16')) return null;
  if (allAscii && !used.startsWith('utf-16') && !declaredLabel.startsWith('utf-16') && supported(declaredLabel) !== null) return null;
  return declared === null ? `no encoding declared (so UTF-8), read as ${used}` : `declared ${declared}, read as ${used}`;
}
