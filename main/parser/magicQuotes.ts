// PHP-era senders with "magic quotes" put a backslash before every quote and backslash of the
// whole document (`<?xml version=\'1.0\'?>`, `<entry type=\"msg\">`). Such a document is
// recognised by its markup, before any CDATA (whose text could hold `=\"` legitimately), and
// undone the way PHP's stripslashes() does it: `\x` becomes `x`.

/** True when the start of a document shows escaped quotes in its markup. */
export function looksMagicQuoted(head: string): boolean {
  const cdata = head.indexOf('<![CDATA[');
  const markup = cdata === -1 ? head : head.slice(0, cdata);
  return /=\s*\\["']/.test(markup);
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
