// A self-signed certificate for tests that serve HTTPS (openssl, as an operator would make one):
// for 127.0.0.1 by default, or for the addresses given (the first is its name).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './tmp.js';

export interface TestCertificate {
  key: string;
  cert: string;
  /** Where key.pem and cert.pem are. */
  dir: string;
}

let forLoopback: TestCertificate | undefined;

export function testCertificate(addresses: string[] = ['127.0.0.1']): TestCertificate {
  const loopback = addresses.length === 1 && addresses[0] === '127.0.0.1';
  // The folder goes after the test that made it (tempDir): a later test of the file makes another.
  if (loopback && forLoopback && existsSync(join(forLoopback.dir, 'cert.pem'))) return forLoopback;
  const dir = tempDir('omv-tls-');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ].concat(['-days', '1', '-subj', `/CN=${addresses[0]}`, '-addext', `subjectAltName=${addresses.map((a) => `IP:${a}`).join(',')}`]),
    { stdio: 'ignore' },
  );
  const made = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), dir };
  if (loopback) forLoopback = made;
  return made;
}
