// PHP-era senders with "magic quotes" put a backslash before every quote and backslash of the
// whole document (`<?xml version=\'1.0\'?>`, `<entry type=\"msg\">`). Undone only on evidence
// that cannot mean anything else: an attribute inside a tag whose value starts with `\"` or `\'`
// (well-formed XML never has a backslash there). Text between tags (a message, a plain-text room
// name or description) may hold `=\"` legitimately and is never taken as evidence. Undone the
// way PHP's stripslashes() does it: `\x` becomes `x`.

const ESCAPED_ATTRIBUTE = /=\s*\\["']/;

/** True when a tag in the start of a document shows escaped attribute quotes. */
export function looksMagicQuoted(head: string): boolean {
  let at = 0;
  for (;;) {
    const open = head.indexOf('<', at);
    if (open === -1) return false;
    if (head.startsWith('<![CDATA[', open)) {
      const close = head.indexOf(']]>', open);
      if (close === -1) return false;
      at = close + 3;
      continue;
    }
    if (head.startsWith('<!--', open)) {
      const close = head.indexOf('-->', open);
      if (close === -1) return false;
      at = close + 3;
      continue;
    }
    const close = head.indexOf('>', open);
    const tag = head.slice(open, close === -1 ? undefined : close);
    if (ESCAPED_ATTRIBUTE.test(tag)) return true;
    if (close === -1) return false;
    at = close + 1;
  }
}

/** Removes the escaping backslashes from text that arrives in pieces. */
export class Unslasher {
  private pendingBackslash = false;

  push(text: string): string {
    let out = '';
    let from = 0;
    if (this.pendingBackslash && text.length > 0) {
      out += text[0];
      from = 1;
      this.pendingBackslash = false;
    }
    for (let i = text.indexOf('\\', from); i !== -1; i = text.indexOf('\\', from)) {
      out += text.slice(from, i);
      if (i + 1 === text.length) {
        this.pendingBackslash = true;
        return out;
      }
      out += text[i + 1];
      from = i + 2;
    }
    return out + text.slice(from);
  }
}
