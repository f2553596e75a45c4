// A desk on another machine: the team server listens on a network address and a moderator signs
// in from another host, here a network namespace joined to this one by a veth pair (iproute2; it
// needs root, as CI has). Over TLS with the server's certificate, the way a browser elsewhere
// would reach it; loopback plays no part.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTeam, teamDatabase, testCertificate } from './support/teamServer.js';
import { systemCommand } from './support/systemCommand.js';
import { tempDir } from './support/tmp.js';

const IP = systemCommand('ip');
const ip = (...args: string[]) => execFileSync(IP, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/** Why this machine cannot make a second host, or null when it can. */
function noNamespaces(): string | null {
  if (process.getuid?.() !== 0) return 'network namespaces need root (CI runs as root)';
  try {
    ip('netns', 'list');
    return null;
  } catch (error) {
    // In CI (.ci/run installs iproute2) a missing second host is a failure, not a quiet skip.
    if (process.env['CI'])
      throw new Error(`CI: ip netns, for the second host, failed (iproute2: apt-get install iproute2): ${String(error)}`);
    return 'iproute2 (ip netns) is not here';
  }
}

test(
  'a moderator on another host signs in over TLS and works the desk, not from 127.0.0.1',
  { skip: noNamespaces() ?? false },
  async () => {
    const n = process.pid % 250;
    const ns = `omvt${process.pid}`;
    const [host, peer] = [`10.213.${n}.1`, `10.213.${n}.2`];
    ip('netns', 'add', ns);
    after(() => {
      try {
        ip('netns', 'delete', ns);
      } catch {
        // already gone
      }
    });
    ip('link', 'add', `omvh${n}`, 'type', 'veth', 'peer', 'name', `omvp${n}`);
    ip('link', 'set', `omvp${n}`, 'netns', ns);
    ip('addr', 'add', `${host}/30`, 'dev', `omvh${n}`);
    ip('link', 'set', `omvh${n}`, 'up');
    ip('netns', 'exec', ns, IP, 'addr', 'add', `${peer}/30`, 'dev', `omvp${n}`);
    ip('netns', 'exec', ns, IP, 'link', 'set', `omvp${n}`, 'up');

    const cert = testCertificate([host]);
    const team = await startTeam(await teamDatabase({ maya: 'moderator' }), {
      args: [
        '--listen',
        `${host}:0`,
        '--tls-cert',
        join(cert.dir, 'cert.pem'),
        '--tls-key',
        join(cert.dir, 'key.pem'),
        '--callback-listen',
        '127.0.0.1:0',
      ],
    });
    assert.match(team.base, new RegExp(`^https://${host.replaceAll('.', '\\.')}:\\d+`));

    // The moderator's side, run inside the other host: sign in through the form, then call the desk.
    const dir = tempDir();
    const client = join(dir, 'client.mjs');
    const support = fileURLToPath(new URL('./support/teamServer.js', import.meta.url));
    writeFileSync(
      client,
      `import { request } from ${JSON.stringify(support)};
     import { readFileSync } from 'node:fs';
     const [base, caFile] = process.argv.slice(2);
     const ca = readFileSync(caFile, 'utf8');
     const origin = new URL(base).origin;
     const page = await request(base + '/login', 'GET', {}, ca);
     const form = /name="form" value="([^"]+)"/.exec(page.body)[1];
     const cookie = [...page.cookies.values()].map((l) => l.split(';')[0]).join('; ');
     const signed = await request(base + '/login', 'POST', {
       headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin, 'sec-fetch-site': 'same-origin' },
       body: new URLSearchParams({ name: 'maya', password: ${JSON.stringify('correct horse battery staple')}, form }).toString(),
     }, ca);
     const value = (name) => signed.cookies.get(name).split(';')[0];
     const rooms = await request(base + '/api/session', 'POST', {
       headers: { 'content-type': 'application/json', cookie: value('omv_session'), 'x-omv-csrf': value('omv_csrf').split('=')[1], origin },
       body: '{}',
     }, ca);
     console.log(JSON.stringify({ signIn: signed.status, session: rooms.status, body: JSON.parse(rooms.body) }));`,
    );
    const out = execFileSync(IP, ['netns', 'exec', ns, process.execPath, client, team.base, join(cert.dir, 'cert.pem')]).toString();
    const answer = JSON.parse(out) as { signIn: number; session: number; body: { value: { moderator: string; role: string } } };
    assert.equal(answer.signIn, 303);
    assert.equal(answer.session, 200);
    assert.deepEqual([answer.body.value.moderator, answer.body.value.role], ['maya', 'moderator']);

    // The server saw the moderator come from the other host: the sign-in is recorded with that address.
    const { openDatabase } = await import('../main/store/db.js');
    const db = openDatabase(team.dbPath, { readOnly: true });
    const signedIn = db
      .prepare<[], string>("SELECT details FROM audit_log WHERE action = 'signed in' ORDER BY id DESC LIMIT 1")
      .pluck()
      .get()!;
    db.close();
    assert.match(signedIn, new RegExp(peer.replaceAll('.', '\\.')));
  },
);
