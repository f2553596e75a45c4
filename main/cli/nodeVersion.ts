// The Node.js omv runs on, checked before anything else is loaded: an older Node cannot load the
// SQLite binding (Node 20 crashes in it), so it is told what to do instead.
export const MINIMUM_NODE = [22, 12] as const;

/** Why this Node cannot run omv, or null when it can. */
export function nodeVersionProblem(version: string): string | null {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  if (major > MINIMUM_NODE[0] || (major === MINIMUM_NODE[0] && minor >= MINIMUM_NODE[1])) return null;
  return `omv needs Node.js ${MINIMUM_NODE.join('.')} or newer; this is ${version}. Install Node 24 (see .nvmrc), or: npm install --prefix ~/.omv-node node@24`;
}

const problem = nodeVersionProblem(process.version);
if (problem) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
