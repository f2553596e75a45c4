// Chat content, query parameters, file names and moderators' names are hostile: ESC[2J clears a
// terminal, OSC 52 writes its clipboard, a C1 CSI does what ESC[ does, a bidi override shows text
// in another order than it is. Whatever the CLI prints of them arrives as visible escapes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { forTerminal } from '../shared/visibleText.js';
import { CLI, omv, omvServe, type CliResult } from './support/cli.js';
import { callbackUrl, postForm } from './support/http.js';
import { messagesXml } from './support/payloads.js';
import { tempDir } from './support/tmp.js';

const ESC = '\x1b';
const CSI = '\u009b';
const RLO = '\u202e';
const CLEAR = `${ESC}[2J`;
const OSC52 = `${ESC}]52;c;aGFjaw==\x07`;

/** What a terminal acts on: controls (tab and newline aside), DEL, C1, bidi controls, line separators. */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

function assertShownSafely(result: CliResult, what: string): void {
  for (const [stream, text] of [
    ['stdout', result.stdout],
    ['stderr', result.stderr],
  ] as const) {
    const found = RAW_CONTROL.exec(text);
    assert.equal(found, null, `${what} wrote U+${found?.[0].codePointAt(0)!.toString(16).padStart(4, '0')} raw to ${stream}:\n${text}`);
  }
}

test('forTerminal shows controls, C1, DEL and bidi controls as escapes, and leaves other text alone', () => {
  assert.equal(forTerminal(`a${CLEAR}b`), 'a\\x1b[2Jb');
  assert.equal(forTerminal(OSC52), '\\x1b]52;c;aGFjaw==\\x07');
  assert.equal(forTerminal(`${CSI}31m\x7f${RLO}\u2066x\u2028`), '\\x9b31m\\x7f\\u202e\\u2066x\\u2028');
  assert.equal(forTerminal('one\ttwo\r\nthree\rfour'), 'one\\ttwo\\r\\nthree\\rfour');
  assert.equal(forTerminal('one\ttwo\r\nthree\rfour', { keepLines: true }), 'one\ttwo\r\nthree\\rfour');
  assert.equal(forTerminal('Grüße, 東京 🙂 C:\\path "q" ‘x’'), 'Grüße, 東京 🙂 C:\\path "q" ‘x’');
});

test('every command prints stored text from callbacks, imports and moderators as visible escapes', async () => {
  const dir = tempDir();
  const db = join(dir, 'omv.sqlite');
  const server = await omvServe(['--db', db]);
  const deliver = (params: Record<string, string>, xml: string) => postForm(callbackUrl(server.callbackUrl, params), xml);
  // XML itself cannot carry ESC (the parser replaces it), but C1, DEL and bidi controls it can;
  // query parameters carry anything.
  const room = `lobby${CSI}2J${RLO}`;
  const messages = messagesXml({
    [room]: [{ ts: 1_700_000_000_000, user: `mallory${CSI}31m\x7f`, displayName: `M${RLO}x`, content: `hello ${CSI}2J${RLO} there` }],
  });
  assert.equal(
    (await deliver({ function: 'sendOfflineMessages', domainID: `example${CLEAR}`, callID: `c${OSC52}` }, messages)).status,
    200,
  );
  const abuse = `<?xml version='1.0' encoding='utf-8'?>
<abuse><reportingUserID>rep${CSI}2J</reportingUserID><abuserUserID>mallory${CSI}31m\x7f</abuserUserID><abuserIPAddress></abuserIPAddress>
<reason><![CDATA[Offensive${RLO}evitsneffO]]></reason><description><![CDATA[it${CSI}2J]]></description>
<conversation><name><![CDATA[${room}]]></name><messages>
<entry type="msg"><timestamp>1700000000001</timestamp><userID invisible="false">mallory${CSI}31m\x7f</userID><content><![CDATA[hello again]]></content></entry>
</messages></conversation></abuse>`;
  assert.equal((await deliver({ function: 'reportAbuse', domainID: 'example.com', callID: `r${CLEAR}` }, abuse)).status, 200);
  const unknown = `sendOffline${CLEAR}Messages${OSC52}`;
  assert.equal((await deliver({ function: unknown, domainID: `d${CLEAR}`, callID: '9' }, messages)).status, 200);
  // The receiver's own log lines quote the query parameters.
  const served = { code: 0, stdout: server.output(), stderr: '' };
  assert.match(served.stdout, /200 sendOfflineMessages example\\x1b\[2J call c\\x1b\]52;c;aGFjaw==\\x07: stored/);
  server.child.kill('SIGTERM');
  await once(server.child, 'exit');
  assertShownSafely({ ...served, stdout: server.output() }, 'omv serve');

  const hostileFile = join(dir, `saved${CLEAR}.xml`);
  writeFileSync(hostileFile, messagesXml({ [room]: [{ ts: 1_700_000_000_002, user: `u${CSI}1m`, content: 'hello from a file' }] }));
  const brokenFile = join(dir, `broken${OSC52}.xml`);
  writeFileSync(brokenFile, '<messageOffline><room>');
  const moderator = { OMV_MODERATOR: `mod${OSC52}${RLO}` };

  const runs: Array<[string, string[], NodeJS.ProcessEnv?]> = [
    ['import', ['import', '--db', db, hostileFile, brokenFile], moderator],
    ['quarantine list', ['quarantine', '--db', db, 'list']],
    ['quarantine retry', ['quarantine', '--db', db, 'retry']],
    ['reports list', ['reports', '--db', db, 'list']],
    ['reports set', ['reports', '--db', db, 'set', '1', 'in review'], moderator],
    ['audit list', ['audit', '--db', db, 'list']],
    ['audit verify', ['audit', '--db', db, 'verify']],
    ['search', ['search', '--db', db, 'hello']],
    ['stats', ['stats', '--db', db]],
    ['check', ['check', '--db', db]],
    ['an unknown command', [`report${CLEAR}`]],
  ];
  const outputs: Record<string, string> = {};
  for (const [what, args, env] of runs) {
    const result = await omv(args, { env });
    assertShownSafely(result, `omv ${what}`);
    outputs[what] = result.stdout + result.stderr;
  }
  // Shown, not dropped: the moderator sees what is there.
  assert.match(outputs['import']!, /saved\\x1b\[2J\.xml: 1 entries/);
  assert.match(outputs['import']!, /broken\\x1b\]52;c;aGFjaw==\\x07\.xml/);
  assert.match(outputs['quarantine list']!, /sendOffline\\x1b\[2JMessages\\x1b\]52;c;aGFjaw==\\x07 d\\x1b\[2J call 9/);
  assert.match(outputs['reports list']!, /rep\\x9b2J\tmallory\\x9b31m\\x7f\tOffensive\\u202eevitsneffO\tlobby\\x9b2J\\u202e/);
  assert.match(outputs['audit list']!, /\tmod\\x1b\]52;c;aGFjaw==\\x07\\u202e\treport status\t/);
  assert.match(
    outputs['search']!,
    /example\\x1b\[2J\/lobby\\x9b2J\\u202e {2}mallory\\x9b31m\\x7f \(M\\u202ex\): \[hello\] \\x9b2J\\u202e there/,
  );
  assert.match(outputs['an unknown command']!, /unknown command "report\\x1b\[2J"/);

  // quarantine show: the details (standard error) shown safely; the payload to a pipe or a file
  // as its exact bytes, so it can be fixed and retried.
  const show = await omv(['quarantine', '--db', db, 'show', '3']);
  assert.equal(show.code, 0, show.stderr);
  assert.equal(RAW_CONTROL.exec(show.stderr), null, show.stderr);
  assert.match(show.stderr, /^function: sendOffline\\x1b\[2JMessages/m);
  assert.equal(show.stdout, messages);
});

// util-linux's script(1) runs a command on a pseudo-terminal: the one way to be a terminal here.
const SCRIPT = '/usr/bin/script';
test(
  'on a terminal, omv export and omv quarantine show escape what they print; to a pipe they write the exact text',
  { skip: process.platform !== 'linux' || !existsSync(SCRIPT) ? 'needs util-linux script(1)' : false },
  async () => {
    const dir = tempDir();
    const db = join(dir, 'omv.sqlite');
    const server = await omvServe(['--db', db, '--quiet']);
    const hostile = messagesXml({ [`room${CSI}2J`]: [{ ts: 1_700_000_000_000, user: 'u', content: `hi${RLO}` }] });
    await postForm(callbackUrl(server.callbackUrl, { function: 'sendOfflineMessages', domainID: `ex${CLEAR}`, callID: '1' }), hostile);
    await postForm(callbackUrl(server.callbackUrl, { function: `nope${CLEAR}`, domainID: 'x', callID: '2' }), `<x>${OSC52}</x>`);
    const onTerminal = (args: string[]) =>
      new Promise<string>((resolve, reject) =>
        execFile(SCRIPT, ['-qec', [process.execPath, CLI, ...args].map((arg) => `'${arg}'`).join(' '), '/dev/null'], (error, stdout) =>
          error ? reject(error) : resolve(stdout),
        ),
      );
    const exported = await onTerminal(['export', '--db', db]);
    assert.match(exported, /,ex\\x1b\[2J,room\\x9b2J,msg,u,,false,hi\\u202e,callback,1\r/);
    // Line ends (the terminal makes \n into \r\n) and omv's own progress line aside, nothing raw.
    const terminalText = (text: string) => text.replace(/\r+\n/g, '\n').replace(/\r\x1b\[K/g, '');
    assert.equal(RAW_CONTROL.exec(terminalText(exported)), null, exported);
    assert.match((await omv(['export', '--db', db])).stdout, new RegExp(`,ex${ESC}\\[2J,room${CSI}2J,`));

    const shown = await onTerminal(['quarantine', '--db', db, 'show', '2']);
    assert.match(shown, /<x>\\x1b\]52;c;aGFjaw==\\x07<\/x>/);
    assert.equal(RAW_CONTROL.exec(terminalText(shown)), null, shown);
  },
);
