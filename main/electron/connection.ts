// Where the desktop app's desk is: this computer (its own receiver and database, no sign-in), or a
// team server (a URL, then the server's sign-in). The choice is kept in the user-data folder. A
// team server's certificate must be one the system trusts, or one the moderator pinned after
// comparing its fingerprint with the one their administrator gave them: a self-signed certificate
// is never taken silently, and a pinned one that changes is refused. Plain Node (no Electron), so
// it is tested here; main.ts only asks and shows.
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { connect } from 'node:tls';
import { isLoopbackHost } from '../net/access.js';

export type DeskConnection =
  | { kind: 'local' }
  /** `pinned`: the SHA-256 fingerprint of a certificate the system does not trust, accepted by the moderator. */
  | { kind: 'team'; url: string; pinned: string | null };

export class ConnectionError extends Error {}

/** The choice made before, or null on a first start (or when the file is not one of ours). */
export function readConnection(file: string): DeskConnection | null {
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Partial<{ kind: string; url: string; pinned: string | null }>;
    if (saved.kind === 'local') return { kind: 'local' };
    if (saved.kind === 'team' && typeof saved.url === 'string')
      return { kind: 'team', url: teamUrl(saved.url), pinned: saved.pinned ?? null };
  } catch {
    // no choice yet
  }
  return null;
}

export function writeConnection(file: string, connection: DeskConnection): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(connection, null, 2)}\n`, { mode: 0o600 });
}

/** A team server's address as a moderator types it: https (http only on this machine), the origin and path kept. */
export function teamUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text.trim()) ? text.trim() : `https://${text.trim()}`);
  } catch {
    throw new ConnectionError(`"${text}" is not an address: type the team server's, e.g. omv.example.org`);
  }
  const loopback = isLoopbackHost(url.hostname.replace(/^\[|\]$/g, ''));
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw new ConnectionError('a team server is reached over https: your password and your session go to it');
  url.hash = '';
  url.search = '';
  return url.toString();
}

export interface ServerCertificate {
  /** The system's certificate authorities vouch for it (for this host name). */
  trusted: boolean;
  /** Why not, when not (self-signed, expired, another name). */
  problem: string | null;
  /** SHA-256, as colon-separated hex pairs (what `openssl x509 -fingerprint -sha256` prints). */
  fingerprint: string;
  subject: string;
  validTo: string;
}

/** The certificate a team server presents, and whether the system trusts it. */
export function serverCertificate(
  url: string,
  { timeoutMs = 10_000, ca }: { timeoutMs?: number; ca?: string } = {},
): Promise<ServerCertificate> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const host = hostname.replace(/^\[|\]$/g, '');
    const socket = connect({
      host,
      port: Number(port) || 443,
      servername: /^[\d.:]+$/.test(host) ? undefined : host,
      rejectUnauthorized: false,
      ca,
    });
    const timer = setTimeout(() => socket.destroy(new ConnectionError(`${host} did not answer within ${timeoutMs / 1000} s`)), timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const raw = socket.getPeerX509Certificate();
      socket.end();
      if (!raw) return reject(new ConnectionError(`${host} presented no certificate`));
      resolve(describe(raw, socket.authorized, socket.authorizationError ? String(socket.authorizationError) : null));
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error instanceof ConnectionError ? error : new ConnectionError(`${host}: ${error.message}`));
    });
  });
}

function describe(certificate: X509Certificate, trusted: boolean, problem: string | null): ServerCertificate {
  return {
    trusted,
    problem: trusted ? null : problem,
    fingerprint: certificate.fingerprint256,
    subject: certificate.subject,
    validTo: certificate.validTo,
  };
}

/** The SHA-256 fingerprint of a PEM certificate (as Electron hands one over), spelled as serverCertificate spells it. */
export function fingerprintOfPem(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

/**
 * Whether a certificate is taken for this connection: one the system trusts, or exactly the one
 * the moderator pinned. `fingerprint` is SHA-256 in any common spelling (colons or not, any case).
 */
export function certificateAccepted(connection: DeskConnection, certificate: { trusted: boolean; fingerprint: string }): boolean {
  if (connection.kind !== 'team') return false;
  if (certificate.trusted) return true;
  const plain = (text: string) => text.replace(/[^0-9a-f]/gi, '').toLowerCase();
  return connection.pinned !== null && plain(connection.pinned) === plain(certificate.fingerprint);
}

/** The same server, by origin: the window may go nowhere else. */
export function sameServer(connection: DeskConnection, url: string): boolean {
  if (connection.kind !== 'team') return false;
  try {
    return new URL(url).origin === new URL(connection.url).origin;
  } catch {
    return false;
  }
}
