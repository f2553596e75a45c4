// Signing in over HTTP (main/team/signInRoutes.ts, cookies.ts, csrf.ts): the routes mounted on a
// real node:http (and, for Secure cookies, node:https) server on 127.0.0.1, beside a stand-in for
// the desk's API that checks the session and its CSRF token as the team server does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listAudit } from '../main/store/audit.js';
import { addAccount, ENROLMENT_LINK_MS } from '../main/team/accounts.js';
import { enrolled, OPERATOR, PASSWORD, teamServer, type Answer, type Team } from './support/accounts.js';
import { omv } from './support/cli.js';

const cookieValue = (setCookie: string | undefined) => setCookie?.slice(setCookie.indexOf('=') + 1, setCookie.indexOf(';'));

/** The sign-in page's form token: its cookie, and the same in the form. */
async function openForm(team: Team, path = '/login'): Promise<{ form: string; cookie: string; page: Answer }> {
  const page = await team.request('GET', path);
  const form = /name="form" value="([^"]+)"/.exec(page.body)?.[1];
  assert.ok(form, 'the page carries a form token');
  assert.equal(cookieValue(page.setCookies.get('omv_form')), form);
  return { form, cookie: `omv_form=${form}`, page };
}

const FORM = 'application/x-www-form-urlencoded';

/** Posts the sign-in form as the browser would; `headers.cookie` is sent beside the form's cookie. */
async function postLogin(
  team: Team,
  fields: Record<string, string>,
  { cookie: more, ...headers }: Record<string, string> = {},
): Promise<Answer> {
  const { form, cookie } = await openForm(team);
  return team.request('POST', '/login', {
    headers: { 'content-type': FORM, origin: team.base, cookie: more ? `${more}; ${cookie}` : cookie, ...headers },
    body: new URLSearchParams({ form, ...fields }).toString(),
  });
}

/** Signs in; answers the session's cookie header and CSRF token. */
async function signIn(team: Team, name: string, password = PASSWORD, headers: Record<string, string> = {}) {
  const answer = await postLogin(team, { name, password }, headers);
  assert.equal(answer.status, 303, answer.body);
  const token = cookieValue(answer.setCookies.get('omv_session'))!;
  const csrf = cookieValue(answer.setCookies.get('omv_csrf'))!;
  return { answer, token, csrf, cookie: `omv_session=${token}` };
}

test('the sign-in page: no script, a form that may post here only, labelled fields, light and dark', async () => {
  const team = await teamServer();
  const { page } = await openForm(team);
  assert.equal(page.status, 200);
  assert.match(page.headers['content-type']!, /^text\/html/);
  const csp = String(page.headers['content-security-policy']);
  assert.match(csp, /form-action 'self'/);
  assert.match(csp, /script-src 'self'/);
  assert.match(csp, /style-src 'self'/);
  assert.equal(page.headers['referrer-policy'], 'same-origin', 'the address (an enrolment token) goes to no other site');
  assert.doesNotMatch(page.body, /<script|\sstyle=|\son\w+=/i, 'nothing inline');
  assert.match(page.body, /<label for="name">Name<\/label>\s*<input id="name" name="name" autocomplete="username"/);
  assert.match(
    page.body,
    /<label for="password">Password<\/label>\s*<input id="password" name="password" type="password" autocomplete="current-password"/,
  );
  assert.match(page.body, /<form method="post" action="\/login">/);
  assert.match(page.setCookies.get('omv_form')!, /; HttpOnly; SameSite=Strict$/);
  const css = await team.request('GET', '/login.css');
  assert.equal(css.status, 200);
  assert.match(css.headers['content-type']!, /^text\/css/);
  assert.match(css.body, /@media \(prefers-color-scheme: dark\)/);
});

test('signing in sets omv_session HttpOnly, SameSite=Strict, Path=/, without Secure over plain HTTP, and goes home', async () => {
  const team = await teamServer();
  await enrolled(team.store, 'maya');
  const { answer, cookie, csrf } = await signIn(team, 'maya');
  assert.equal(answer.headers.location, '/');
  const session = answer.setCookies.get('omv_session')!;
  assert.match(session, /^omv_session=[A-Za-z0-9_-]{43}; Max-Age=43200; Path=\/; HttpOnly; SameSite=Strict$/);
  assert.match(
    answer.setCookies.get('omv_csrf')!,
    /^omv_csrf=[A-Za-z0-9_-]{43}; Max-Age=43200; Path=\/; SameSite=Strict$/,
    'the page reads it',
  );
  assert.match(answer.setCookies.get('omv_form')!, /^omv_form=; Max-Age=0;/, 'the form token is spent');
  const read = await team.request('GET', '/api/read', { headers: { cookie } });
  assert.deepEqual([read.status, JSON.parse(read.body)], [200, { name: 'maya', method: 'GET' }]);
  const write = await team.request('POST', '/api/write', { headers: { cookie, 'x-omv-csrf': csrf } });
  assert.equal(write.status, 200);
  const again = await team.request('GET', '/login', { headers: { cookie } });
  assert.deepEqual([again.status, again.headers.location], [303, '/'], 'signed in already: home');
});

test('under TLS every cookie is Secure', async () => {
  const team = await teamServer({ tls: true });
  await enrolled(team.store, 'maya');
  const { page } = await openForm(team);
  assert.match(page.setCookies.get('omv_form')!, /; HttpOnly; SameSite=Strict; Secure$/);
  const { answer, cookie } = await signIn(team, 'maya');
  assert.match(answer.setCookies.get('omv_session')!, /; Path=\/; HttpOnly; SameSite=Strict; Secure$/);
  assert.match(answer.setCookies.get('omv_csrf')!, /; SameSite=Strict; Secure$/);
  assert.equal((await team.request('GET', '/api/read', { headers: { cookie } })).status, 200);
});

test('a wrong password and a name that is no account get the same page, with the same status', async () => {
  const team = await teamServer();
  await enrolled(team.store, 'maya');
  const wrong = await postLogin(team, { name: 'maya', password: 'not the password' });
  team.store.clock.advance(250); // both come from 127.0.0.1, which now waits 250 ms
  const nobody = await postLogin(team, { name: 'nobody', password: 'not the password' });
  const shown = (answer: Answer, name: string) =>
    answer.body.replace(/name="form" value="[^"]+"/, '').replace(`value="${name}"`, 'value="…"');
  assert.equal(wrong.status, 401);
  assert.equal(nobody.status, 401);
  assert.equal(shown(nobody, 'nobody'), shown(wrong, 'maya'));
  assert.match(wrong.body, /<p class="problem" id="problem" role="alert">Wrong name or password\.<\/p>/);
  assert.equal(wrong.setCookies.has('omv_session'), false);
});

test('a sign-in too soon after a failure is answered 429 with Retry-After', async () => {
  const team = await teamServer();
  await enrolled(team.store, 'maya');
  assert.equal((await postLogin(team, { name: 'maya', password: 'not the password' })).status, 401);
  const soon = await postLogin(team, { name: 'maya', password: PASSWORD });
  assert.equal(soon.status, 429);
  assert.equal(soon.headers['retry-after'], '1');
  assert.match(soon.body, /Too many failed sign-ins/);
  assert.equal(soon.setCookies.has('omv_session'), false);
});

test('the typed name comes back escaped', async () => {
  const team = await teamServer();
  const answer = await postLogin(team, { name: '"><script>alert(1)</script>', password: 'not the password' });
  assert.equal(answer.status, 401);
  assert.doesNotMatch(answer.body, /<script>/);
  assert.match(answer.body, /value="&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
});

test('session fixation: a session cookie the browser brought is never the session after signing in', async () => {
  const team = await teamServer();
  await enrolled(team.store, 'maya');
  await enrolled(team.store, 'ravi');
  const planted = 'A'.repeat(43);
  const { token } = await signIn(team, 'maya', PASSWORD, { cookie: `omv_session=${planted}` });
  assert.notEqual(token, planted);
  assert.equal((await team.request('GET', '/api/read', { headers: { cookie: `omv_session=${planted}` } })).status, 401);
  // A browser that was signed in (as someone else) and signs in again gets a new session; the old one ends.
  const first = await signIn(team, 'ravi');
  const second = await signIn(team, 'maya', PASSWORD, { cookie: `${first.cookie}` });
  assert.notEqual(second.token, first.token);
  assert.equal((await team.request('GET', '/api/read', { headers: { cookie: first.cookie } })).status, 401, 'the old session ended');
  const read = await team.request('GET', '/api/read', { headers: { cookie: second.cookie } });
  assert.equal(JSON.parse(read.body).name, 'maya');
});

test("a write to the desk's API without the session's CSRF token is refused", async () => {
  const team = await teamServer();
  await enrolled(team.store, 'maya');
  await enrolled(team.store, 'ravi');
  const maya = await signIn(team, 'maya');
  const ravi = await signIn(team, 'ravi');
  const post = (headers: Record<string, string>) => team.request('POST', '/api/write', { headers: { cookie: maya.cookie, ...headers } });
  assert.equal((await post({})).status, 403, 'no header');
  assert.equal((await post({ 'x-omv-csrf': '' })).status, 403, 'empty');
  assert.equal((await post({ 'x-omv-csrf': `${maya.csrf}x` })).status, 403, 'wrong');
  assert.equal((await post({ 'x-omv-csrf': ravi.csrf })).status, 403, "another session's");
  assert.equal((await post({ 'x-omv-csrf': maya.csrf })).status, 200);
  assert.equal((await team.request('POST', '/api/write', { headers: { 'x-omv-csrf': maya.csrf } })).status, 401, 'no session: 401');
});

test('the sign-in form refuses a post without its form token, or sent by another site’s page', async () => {
  const team = await teamServer();
  await enrolled(team.store, 'maya');
  const { form, cookie } = await openForm(team);
  const body = new URLSearchParams({ form, name: 'maya', password: PASSWORD }).toString();
  const attempt = (headers: Record<string, string>, text = body) =>
    team.request('POST', '/login', { headers: { 'content-type': FORM, ...headers }, body: text });
  const refused = [
    await attempt({ origin: team.base }), // no form cookie (SameSite=Strict: another site's post carries none)
    await attempt({ origin: team.base, cookie: 'omv_form=' + 'B'.repeat(43) }), // another form's cookie
    await attempt({ origin: team.base, cookie }, new URLSearchParams({ name: 'maya', password: PASSWORD }).toString()), // no form field
    await attempt({ origin: 'https://evil.example', cookie }),
    await attempt({ 'sec-fetch-site': 'cross-site', cookie }),
  ];
  for (const answer of refused) {
    assert.equal(answer.status, 403);
    assert.match(answer.body, /This form was open too long, or another page sent it/);
    assert.equal(answer.setCookies.has('omv_session'), false);
  }
  assert.equal(
    listAudit(team.store.db).filter((row) => row.action === 'signed in' && row.moderator === 'maya').length,
    1,
    'the enrolment’s only',
  );
  assert.equal((await attempt({ origin: team.base, cookie, 'sec-fetch-site': 'same-origin' })).status, 303, 'the same, from our page');
});

test('a form that is not a form, or larger than any sign-in, is refused', async () => {
  const team = await teamServer();
  const json = await team.request('POST', '/login', { headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(json.status, 415);
  const huge = await team.request('POST', '/login', { headers: { 'content-type': FORM }, body: `password=${'x'.repeat(20_000)}` });
  assert.equal(huge.status, 413);
  assert.equal((await team.request('PUT', '/login')).status, 405);
  assert.equal((await team.request('GET', '/logout')).status, 405);
});

test("signing out needs the session's CSRF token, ends the session and clears the cookies", async () => {
  const team = await teamServer();
  await enrolled(team.store, 'maya');
  const { cookie, csrf } = await signIn(team, 'maya');
  const forged = await team.request('POST', '/logout', { headers: { cookie, 'content-type': FORM }, body: '' });
  assert.equal(forged.status, 403);
  assert.equal((await team.request('GET', '/api/read', { headers: { cookie } })).status, 200, 'still signed in');
  const fromElsewhere = await team.request('POST', '/logout', { headers: { cookie, 'x-omv-csrf': csrf, origin: 'https://evil.example' } });
  assert.equal(fromElsewhere.status, 403);
  const out = await team.request('POST', '/logout', {
    headers: { cookie, 'content-type': FORM, origin: team.base },
    body: new URLSearchParams({ csrf }).toString(),
  });
  assert.deepEqual([out.status, out.headers.location], [303, '/login']);
  assert.match(out.setCookies.get('omv_session')!, /^omv_session=; Max-Age=0; Path=\/; HttpOnly; SameSite=Strict$/);
  assert.match(out.setCookies.get('omv_csrf')!, /^omv_csrf=; Max-Age=0;/);
  assert.equal((await team.request('GET', '/api/read', { headers: { cookie } })).status, 401);
});

test('enrolment over HTTP: the link shows the form, sets the password once, signs in; the audit chain holds', async () => {
  const team = await teamServer();
  const link = addAccount(team.store.db, OPERATOR, 'maya', 'lead', { now: team.store.clock.now() });
  const { form, cookie, page } = await openForm(team, link.path);
  assert.equal(page.status, 200);
  assert.match(page.body, /for <strong>maya<\/strong>/);
  assert.match(page.body, /<label for="password">New password<\/label>/);
  const post = (fields: Record<string, string>) =>
    team.request('POST', '/enrol', {
      headers: { 'content-type': FORM, origin: team.base, cookie },
      body: new URLSearchParams({ form, token: link.token, ...fields }).toString(),
    });
  const differ = await post({ password: PASSWORD, confirm: `${PASSWORD}!` });
  assert.equal(differ.status, 400);
  assert.match(differ.body, /The two passwords are not the same/);
  const short = await post({ password: 'too short', confirm: 'too short' });
  assert.equal(short.status, 400);
  assert.match(short.body, /A password is at least 12 characters/);
  const done = await post({ password: PASSWORD, confirm: PASSWORD });
  assert.deepEqual([done.status, done.headers.location], [303, '/']);
  const session = `omv_session=${cookieValue(done.setCookies.get('omv_session'))}`;
  assert.equal(JSON.parse((await team.request('GET', '/api/read', { headers: { cookie: session } })).body).name, 'maya');
  assert.equal((await team.request('GET', link.path)).status, 410, 'used up');
  const again = await post({ password: 'another passphrase', confirm: 'another passphrase' });
  assert.equal(again.status, 410);
  assert.match(again.body, /This link does not work any more/);
  await signIn(team, 'maya');
  const verified = await omv(['audit', '--db', team.store.path, 'verify']);
  assert.equal(verified.code, 0, verified.stdout);
  assert.deepEqual(
    listAudit(team.store.db).map((row) => row.action),
    ['account added', 'enrolled', 'signed in', 'signed in'],
  );
});

test('an enrolment link 72 hours old answers 410, and a made-up one too', async () => {
  const team = await teamServer();
  const link = addAccount(team.store.db, OPERATOR, 'maya', 'lead', { now: team.store.clock.now() });
  team.store.clock.advance(ENROLMENT_LINK_MS);
  assert.equal((await team.request('GET', link.path)).status, 410);
  assert.equal((await team.request('GET', '/enrol?token=made-up')).status, 410);
  assert.equal((await team.request('GET', '/enrol')).status, 410);
});
