// A throwaway PostgreSQL cluster per test file: initdb into a temp folder, pg_ctl start on a free
// loopback port, one database, and an immediate stop and removal when the file's tests are done.
// Debian's PostgreSQL (the `postgresql` package) puts its server binaries in
// /usr/lib/postgresql/VERSION/bin, off PATH; OMV_PG_BIN names another folder. initdb refuses to
// run as root, so as root the cluster runs as the `postgres` user, in a folder it owns.
//
// Without the binaries a test is skipped with the reason, on a developer's machine only: in CI
// (process.env.CI set) a missing PostgreSQL is a failure, so the PostgreSQL suites cannot
// silently stop running there.
import pg from 'pg';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { promisify } from 'node:util';
import { systemCommand } from './systemCommand.js';

const DEBIAN_ROOT = '/usr/lib/postgresql';

/** The folder holding initdb and pg_ctl, or null when there is none. */
export function postgresBin(): string | null {
  const chosen = process.env['OMV_PG_BIN'];
  if (chosen) return existsSync(join(chosen, 'initdb')) ? chosen : null;
  if (!existsSync(DEBIAN_ROOT)) return null;
  const versions = readdirSync(DEBIAN_ROOT)
    .filter((name) => /^\d+$/.test(name) && Number(name) >= 15 && existsSync(join(DEBIAN_ROOT, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(DEBIAN_ROOT, versions[0]!, 'bin') : null;
}

/**
 * Why PostgreSQL tests cannot run here (for `test(name, { skip })`), or undefined when they can.
 * Throws in CI: there, PostgreSQL is installed by .ci/run and its absence is a broken run.
 */
export function postgresSkipReason(): string | undefined {
  if (postgresBin() !== null) return undefined;
  const why = `PostgreSQL 15+ is not installed (no initdb in ${DEBIAN_ROOT}/*/bin or $OMV_PG_BIN): apt-get install postgresql`;
  if (process.env['CI']) throw new Error(`CI: ${why}`);
  return why;
}

export interface PgCluster {
  /** postgres://… of the cluster's one database. */
  url: string;
  port: number;
  dir: string;
  bin: string;
  /** Runs one of the cluster's binaries (psql, pg_dump, …) as the cluster's owner. */
  run(tool: string, args: string[]): string;
  /** pg_ctl stop -m immediate, and the folder removed. */
  stop(): void;
  /** kill -9 of the server and all its processes (the folder stays: stop() removes it). */
  kill(): void;
  /**
   * A primary stops sending its WAL to its standbys (its walsenders are stopped with SIGSTOP: a
   * network that drops, a standby that falls behind) until the returned function is called. (Stopping
   * the standby's walreceiver would not do: what was sent waits in its socket, and is taken after.)
   */
  holdReplication(): () => void;
}

const execFileAsync = promisify(execFile);
const asRoot = () => userInfo().uid === 0;

function ownerCommand(bin: string, tool: string, args: string[]): [string, string[]] {
  return asRoot() ? [systemCommand('runuser'), ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args];
}

function runAsOwner(bin: string, tool: string, args: string[]): string {
  const [command, argv] = ownerCommand(bin, tool, args);
  return execFileSync(command, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * As runAsOwner, with the test's event loop running meanwhile: what happens while a cluster is made
 * (a server closing an idle keep-alive connection, say) is seen as it happens. Blocked for the
 * seconds of a pg_basebackup, a test's next request could reuse a connection the server had
 * already closed ("other side closed").
 */
async function runAsOwnerAsync(bin: string, tool: string, args: string[]): Promise<void> {
  const [command, argv] = ownerCommand(bin, tool, args);
  await execFileAsync(command, argv, { encoding: 'utf8' });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Options for the test cluster's server (postgresql.conf settings as -c name=value). */
export interface ClusterOptions {
  settings?: Record<string, string | number>;
  /** A benchmark, outside the test runner, stops the cluster itself (or at exit). */
  manualStop?: boolean;
}

/**
 * Starts a cluster for this test file and stops it after the file (registered with node:test's
 * `after`, unless `manualStop`). Each start takes about a second or two.
 */
export async function startPostgres(options: ClusterOptions = {}): Promise<PgCluster> {
  const bin = postgresBin();
  if (bin === null) throw new Error(postgresSkipReason() ?? 'PostgreSQL is not installed');
  const root = ownedTempDir();
  const dir = join(root, 'data');
  await runAsOwnerAsync(bin, 'initdb', ['-D', dir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  const cluster = await startServer(bin, root, dir, options);
  await runAsOwnerAsync(bin, 'createdb', ['-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', 'omv']);
  return cluster;
}

/**
 * A streaming standby of `primary` (pg_basebackup -R: a copy of its data folder that follows its
 * WAL), on a port of its own. It is a synchronous standby once the primary's
 * synchronous_standby_names names it ('*' names any).
 */
export async function startStandby(primary: PgCluster, options: ClusterOptions = {}): Promise<PgCluster> {
  const root = ownedTempDir();
  const dir = join(root, 'data');
  await runAsOwnerAsync(primary.bin, 'pg_basebackup', [
    '-h',
    '127.0.0.1',
    '-p',
    String(primary.port),
    '-U',
    'postgres',
    '-D',
    dir,
    '-R',
    '-X',
    'stream',
    '--checkpoint=fast',
    '--no-sync',
  ]);
  return startServer(primary.bin, root, dir, options);
}

/** A folder the server's user owns (it holds the data folder and the socket). */
function ownedTempDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'omv-pg-'));
  if (asRoot()) {
    const owner = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim();
    const group = execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim();
    chownSync(root, Number(owner), Number(group));
  }
  return root;
}

function postmasterOf(dir: string): number {
  return Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

/** What a process shows as its command line (a PostgreSQL process shows its role: "postgres: walreceiver streaming …"). */
function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** The processes whose parent is `pid` (from /proc: no procps needed). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // stat: "PID (COMMAND) STATE PPID …"; COMMAND may hold spaces and parentheses, so read after the last ")".
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(name));
    } catch {
      // it ended meanwhile
    }
  }
  return children;
}

async function startServer(bin: string, root: string, dir: string, options: ClusterOptions): Promise<PgCluster> {
  const { settings: extra } = options;
  const settings = {
    listen_addresses: '127.0.0.1',
    max_connections: 40,
    shared_buffers: '64MB',
    ...extra,
  };
  let port = 0;
  let lastError: unknown = null;
  // A free port can be taken between finding it and the server binding it: try a few.
  for (let attempt = 0; attempt < 5 && port === 0; attempt++) {
    const candidate = await freePort();
    const serverOptions = [`-p ${candidate}`, `-k ${root}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].join(' ');
    try {
      await runAsOwnerAsync(bin, 'pg_ctl', ['-D', dir, '-o', serverOptions, '-l', join(root, 'server.log'), '-w', '-t', '60', 'start']);
      port = candidate;
    } catch (error) {
      lastError = error;
    }
  }
  if (port === 0) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`PostgreSQL would not start: ${String(lastError)}`);
  }
  let stopped = false;
  const cluster: PgCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/omv`,
    port,
    dir,
    bin,
    run: (tool, args) => runAsOwner(bin, tool, args),
    stop() {
      if (stopped) return;
      stopped = true;
      spawnSync(asRoot() ? systemCommand('runuser') : join(bin, 'pg_ctl'), [
        ...(asRoot() ? ['-u', 'postgres', '--', join(bin, 'pg_ctl')] : []),
        '-D',
        dir,
        '-m',
        'immediate',
        'stop',
      ]);
      rmSync(root, { recursive: true, force: true });
    },
    kill() {
      // The machine is gone: the postmaster and every process it started, at once, with no chance to finish anything.
      const postmaster = postmasterOf(dir);
      for (const pid of [postmaster, ...childrenOf(postmaster)]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
    holdReplication() {
      const senders = childrenOf(postmasterOf(dir)).filter((pid) => commandOf(pid).includes('walsender'));
      if (senders.length === 0) throw new Error('this cluster sends no WAL: it has no standby streaming from it');
      for (const pid of senders) process.kill(pid, 'SIGSTOP');
      return () => senders.forEach((pid) => process.kill(pid, 'SIGCONT'));
    },
  };
  if (!options.manualStop) after(() => cluster.stop());
  // A test process that ends before `after` runs still takes its server down (an exit, or the
  // runner's SIGTERM on a cancelled run; a SIGKILL leaves it to the machine's next clean-up).
  const onExit = () => cluster.stop();
  const onSignal = (signal: NodeJS.Signals) => {
    cluster.stop();
    process.exit(128 + (signal === 'SIGTERM' ? 15 : 2));
  };
  process.once('exit', onExit);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  // A test that goes through many clusters (failover rounds) leaves no listeners of the stopped ones behind.
  const stopOnce = cluster.stop;
  cluster.stop = () => {
    process.off('exit', onExit);
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    stopOnce();
  };
  return cluster;
}

/** One statement on a connection of its own: what a test asks of a cluster beside omv. */
export async function query<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Waits until `sql` answers a row (a minute at most: then the test fails saying what never came). */
export async function waitUntil(url: string, sql: string): Promise<void> {
  for (const deadline = Date.now() + 60_000; (await query(url, sql)).length === 0;) {
    if (Date.now() >= deadline) throw new Error(`no session came to this in a minute: ${sql}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** From now on the primary's commits wait for a standby ('*': whichever is connected). */
export async function synchronousStandby(primary: PgCluster): Promise<void> {
  await query(primary.url, "ALTER SYSTEM SET synchronous_standby_names = '*'");
  await query(primary.url, 'SELECT pg_reload_conf()');
}

/**
 * The cluster asks every role but postgres for its password over TCP (scram-sha-256, as a server
 * set up as the README says does), and `role` is made with `password`, owning the cluster's
 * database. Answers that role's URL, without the password. The test's own connections, as
 * postgres, stay trusted.
 */
export async function passwordRole(cluster: PgCluster, role: string, password: string): Promise<string> {
  await query(cluster.url, `CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
  await query(cluster.url, `ALTER DATABASE omv OWNER TO ${role}`);
  writeFileSync(
    join(cluster.dir, 'pg_hba.conf'),
    ['local all all trust', 'host all postgres 127.0.0.1/32 trust', 'host all all 127.0.0.1/32 scram-sha-256', ''].join('\n'),
  );
  await query(cluster.url, 'SELECT pg_reload_conf()');
  return cluster.url.replace('postgres@', `${role}@`);
}
