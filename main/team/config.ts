// A team server's settings in one file (`omv serve --team --config omv.toml`, or .json): every
// flag of `omv serve --team`, without its dashes, as a key (`listen = "0.0.0.0:8443"`,
// `callback-secret = ["example.com=…"]`). A flag given on the command line wins over the file.
// A key the server does not know is an error, named: a typo must not leave a setting silently off.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseToml } from 'smol-toml';

/** The settings a file may hold, and what each must be. */
export const TEAM_SETTINGS = {
  db: 'string',
  store: 'string',
  listen: 'string',
  'callback-listen': 'string',
  'tls-cert': 'string',
  'tls-key': 'string',
  'trusted-proxy': 'list',
  'callback-secret': 'list',
  'callback-allow': 'list',
  'public-url': 'string',
  'max-body': 'string',
  'query-timeout': 'string',
  quiet: 'boolean',
} as const;
export type TeamSetting = keyof typeof TEAM_SETTINGS;
export type TeamSettings = Partial<{
  [K in TeamSetting]: (typeof TEAM_SETTINGS)[K] extends 'list' ? string[] : (typeof TEAM_SETTINGS)[K] extends 'boolean' ? boolean : string;
}>;

export class TeamConfigError extends Error {}

/** Reads a settings file: TOML, or JSON when its name ends in .json. */
export function readTeamSettings(path: string): TeamSettings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TeamConfigError(`--config ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseToml(text);
  } catch (error) {
    throw new TeamConfigError(`--config ${path} is not valid ${extname(path) === '.json' ? 'JSON' : 'TOML'}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new TeamConfigError(`--config ${path}: settings are a table of keys`);
  const settings: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) {
    const kind = (TEAM_SETTINGS as Record<string, string>)[key];
    if (kind === undefined)
      throw new TeamConfigError(`--config ${path}: no setting "${key}" (the settings are ${Object.keys(TEAM_SETTINGS).join(', ')})`);
    const fits =
      kind === 'list'
        ? Array.isArray(value) && value.every((item) => typeof item === 'string')
        : kind === 'boolean'
          ? typeof value === 'boolean'
          : typeof value === 'string' || typeof value === 'number';
    if (!fits) throw new TeamConfigError(`--config ${path}: "${key}" is ${kind === 'list' ? 'a list of strings' : `a ${kind}`}`);
    settings[key] = typeof value === 'number' ? String(value) : value;
  }
  return settings as TeamSettings;
}

/** The file's settings with the command line's over them: a flag given wins; a list given replaces the file's. */
export function withFlags(file: TeamSettings, flags: TeamSettings): TeamSettings {
  const merged: Record<string, unknown> = { ...file };
  for (const [key, value] of Object.entries(flags)) {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    merged[key] = value;
  }
  return merged as TeamSettings;
}

/** `ADDR:PORT` (an IPv6 address in brackets), as --listen and --callback-listen take it. */
export function parseListen(flag: string, text: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new TeamConfigError(`${flag} takes ADDRESS:PORT (e.g. 0.0.0.0:8443 or [::]:8443), not "${text}"`);
  return { host: match[1] ?? match[2]!, port };
}
