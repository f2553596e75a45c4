// XML payloads for tests, written the way the vendor writes them.

/** The vendor's own sample from its sendOfflineMessages documentation page. */
export const SEED_XML = `<?xml version='1.0' encoding='utf-8'?>
<messageOffline type="chat" callID="123123">
<room>
<name><![CDATA[asfd]]></name>
<messages>
<entry type="leave">
<timestamp>1126551110781</timestamp>
<userID invisible="false">1</userID>
</entry>
<entry type="join">
<timestamp>1126551112343</timestamp>
<userID invisible="false">1</userID>
</entry>
<entry type="msg">
<timestamp>1126551127685</timestamp>
<userID invisible="false">1</userID>
<content><![CDATA[this is my message]]></content>
</entry>
</messages>
</room>
</messageOffline>
`;

/** The classic (Webchat 1.9.4–2.1.0) archive: no root attributes, iso-8859-1, display names. */
export const CLASSIC_ARCHIVE_XML = `<?xml version='1.0' encoding='iso-8859-1'?>
<messageArchive><room><name><![CDATA[asfd]]></name><messages>
  <entry type="announcement"><timestamp>1126551016075</timestamp><displayName><![CDATA[]]></displayName></entry>
  <entry type="leave"><timestamp>1126551110781</timestamp><displayName><![CDATA[tom]]></displayName><userID invisible="false">1</userID></entry>
  <entry type="join"><timestamp>1126551112343</timestamp><displayName><![CDATA[tom]]></displayName><userID invisible="false">1</userID></entry>
  <entry type="msg"><timestamp>1126551127685</timestamp><displayName><![CDATA[tom]]></displayName><userID invisible="false">1</userID><content><![CDATA[this is my message]]></content></entry>
</messages></room></messageArchive>
`;

export const ABUSE_XML = `<?xml version='1.0' encoding='iso-8859-1'?>
<abuse>
  <reportingUserID>12345</reportingUserID>
  <abuserUserID>23456</abuserUserID>
  <abuserIPAddress></abuserIPAddress>
  <recordingName>DE291953-5004-C272-9A6A9ABCC3031B35</recordingName>
  <recordingWebAccessibleURL></recordingWebAccessibleURL>
  <description>Said awful things to me accused me of being a "pimp"</description>
  <room><name><![CDATA[asfd]]></name><messages>
    <entry type="msg"><timestamp>1126551127685</timestamp><displayName><![CDATA[tom]]></displayName><userID invisible="false">1</userID><content><![CDATA[this is my message]]></content></entry>
  </messages></room>
</abuse>
`;

/** The later form, as the vendor's moderation page shows it: a reason, the description in CDATA, the
 * reported messages in a <conversation>. */
export const ABUSE_CONVERSATION_XML = `<?xml version='1.0' encoding='iso-8859-1'?>
 <abuse>
  <reportingUserID>12345</reportingUserID>
  <abuserUserID>23456</abuserUserID>
  <abuserIPAddress></abuserIPAddress>\t\t\t
  <reason>Offensive</reason>
  <description><![CDATA[Said awful things to me accused me of being a "pimp"]]></description>
 <conversation>
  <name><![CDATA[asfd]]></name>
  <messages>
   <entry type="msg">\t\t\t
    <timestamp>1126551127685</timestamp>
    <displayName><![CDATA[tom]]></displayName>
    <userID invisible="false">1</userID>
    <content><![CDATA[this is my message]]></content>
   </entry>
  </messages>
 </conversation>
</abuse>
`;

export const ROOMS_XML = `<rooms>
  <room><name><![CDATA[Lobby]]></name><users><user id="1"/><user id="2"/></users></room>
  <room><name><![CDATA[My Empty Room]]></name><users></users></room>
</rooms>
`;

export interface EntrySpec {
  type?: string;
  ts: number | string;
  user?: string;
  invisible?: string;
  displayName?: string;
  content?: string;
}

export function entryXml(e: EntrySpec): string {
  const parts = [`<timestamp>${e.ts}</timestamp>`];
  if (e.displayName !== undefined) parts.push(`<displayName><![CDATA[${e.displayName}]]></displayName>`);
  if (e.user !== undefined) parts.push(`<userID invisible="${e.invisible ?? 'false'}">${e.user}</userID>`);
  if (e.content !== undefined) parts.push(`<content><![CDATA[${e.content.replaceAll(']]>', ']]]]><![CDATA[>')}]]></content>`);
  return `<entry type="${e.type ?? 'msg'}">${parts.join('')}</entry>`;
}

/** A sendOfflineMessages payload (or a later-generation archive with root="messageArchive"). */
export function messagesXml(
  rooms: Record<string, EntrySpec[]>,
  attrs: { callID?: string; type?: string } = {},
  root = 'messageOffline',
): string {
  const attributes = Object.entries({ type: 'chat', ...attrs })
    .map(([k, v]) => ` ${k}="${v}"`)
    .join('');
  const body = Object.entries(rooms)
    .map(([name, entries]) => `<room><name><![CDATA[${name}]]></name><messages>${entries.map(entryXml).join('')}</messages></room>`)
    .join('\n');
  return `<?xml version='1.0' encoding='utf-8'?>\n<${root}${attributes}>\n${body}\n</${root}>\n`;
}
