// The team server's own pages: sign in, and choose a password from an enrolment link. Rendered on
// the server, no script at all; the stylesheet is a file of its own (/login.css), since the CSP
// allows no inline style. Light and dark follow the system (prefers-color-scheme). Whatever a page
// shows that came from outside (a typed name, an account name) is escaped.
import { CONTENT_SECURITY_POLICY } from '../../shared/contentSecurityPolicy.js';
import { PASSWORD_MAX_BYTES, PASSWORD_MIN_CHARACTERS } from './passwords.js';

/** The desk's CSP, except that these pages' forms may post to the server itself. */
export const SIGN_IN_CSP = CONTENT_SECURITY_POLICY.replace("form-action 'none'", "form-action 'self'");

export const SIGN_IN_CSS_PATH = '/login.css';

export const SIGN_IN_CSS = `:root {
  color-scheme: light dark;
  --bg: #f4f5f7; --card: #ffffff; --text: #1b1f24; --muted: #57606a; --border: #c9ced6;
  --accent: #0b5cad; --accent-text: #ffffff; --problem-bg: #fdecea; --problem: #8a1c12;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #111418; --card: #1b1f24; --text: #e6e8eb; --muted: #a3abb5; --border: #3d444d;
    --accent: #5aa2f0; --accent-text: #0b0f14; --problem-bg: #3b1713; --problem: #ffb4a8;
  }
}
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: var(--bg); color: var(--text);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { width: min(24rem, 100% - 2rem); background: var(--card); border: 1px solid var(--border); border-radius: 8px; padding: 1.5rem 1.75rem; }
h1 { font-size: 1.25rem; margin: 0 0 0.25rem; }
.lead { color: var(--muted); margin: 0 0 1.25rem; }
label { display: block; font-weight: 600; margin: 0.75rem 0 0.25rem; }
input { width: 100%; font: inherit; padding: 0.5rem 0.625rem; color: var(--text); background: var(--card);
  border: 1px solid var(--border); border-radius: 6px; }
.hint { color: var(--muted); font-size: 0.875rem; margin: 0.25rem 0 0; }
button { margin-top: 1.25rem; width: 100%; font: inherit; font-weight: 600; padding: 0.55rem; border: 0; border-radius: 6px;
  background: var(--accent); color: var(--accent-text); cursor: pointer; }
input:focus-visible, button:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
a { color: var(--accent); }
.problem { background: var(--problem-bg); color: var(--problem); border-radius: 6px; padding: 0.5rem 0.75rem; margin: 0 0 0.5rem; }
`;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(title)} · Offline Message Viewer</title>
<link rel="stylesheet" href="${SIGN_IN_CSS_PATH}">
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

const problemBlock = (problem: string | undefined) =>
  problem ? `<p class="problem" id="problem" role="alert">${escapeHtml(problem)}</p>\n` : '';
const describedBy = (problem: string | undefined) => (problem ? ' aria-describedby="problem" aria-invalid="true"' : '');

export interface SignInPage {
  /** The form token (also in the omv_form cookie). */
  form: string;
  /** The name typed before, kept in the field. */
  name?: string;
  /** What went wrong, said above the form. */
  problem?: string;
}

export function signInPage({ form, name = '', problem }: SignInPage): string {
  return page(
    'Sign in',
    `<h1>Sign in</h1>
<p class="lead">Offline Message Viewer, team server</p>
${problemBlock(problem)}<form method="post" action="/login">
<input type="hidden" name="form" value="${escapeHtml(form)}">
<label for="name">Name</label>
<input id="name" name="name" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="64" value="${escapeHtml(name)}"${name ? '' : ' autofocus'}${describedBy(problem)}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${name ? ' autofocus' : ''}${describedBy(problem)}>
<button type="submit">Sign in</button>
</form>`,
  );
}

export interface EnrolPage {
  form: string;
  /** The enrolment link's token, carried to the POST. */
  token: string;
  account: string;
  problem?: string;
}

export function enrolPage({ form, token, account, problem }: EnrolPage): string {
  return page(
    'Choose a password',
    `<h1>Choose a password</h1>
<p class="lead">for <strong>${escapeHtml(account)}</strong>, on this team server</p>
${problemBlock(problem)}<form method="post" action="/enrol">
<input type="hidden" name="form" value="${escapeHtml(form)}">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<input type="text" name="name" value="${escapeHtml(account)}" autocomplete="username" hidden readonly>
<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="${PASSWORD_MIN_CHARACTERS}" aria-describedby="password-hint${problem ? ' problem' : ''}" autofocus>
<p class="hint" id="password-hint">At least ${PASSWORD_MIN_CHARACTERS} characters (at most ${PASSWORD_MAX_BYTES} bytes). A phrase of a few words is good.</p>
<label for="confirm">The same again</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" required minlength="${PASSWORD_MIN_CHARACTERS}">
<button type="submit">Set password and sign in</button>
</form>`,
  );
}

/** A page that only says something: a link that does not work, a form that came from elsewhere. */
export function messagePage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1>\n<p role="alert">${escapeHtml(message)}</p>\n<p><a href="/login">Sign in</a></p>`);
}
