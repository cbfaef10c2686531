import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { ConfigError } from './config-error';

/** The variable that names the settings file; unset, `.env` at the workspace root is read when there is one. */
export const ENV_FILE = 'ENV_FILE';

/**
 * The workspace root: the nearest folder above `from` whose package.json declares workspaces (where
 * `.env.example` is, and a developer's `.env`). Undefined outside a workspace.
 */
export function workspaceRoot(from: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && declaresWorkspaces(manifest)) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

function declaresWorkspaces(manifest: string): boolean {
  try {
    return 'workspaces' in (JSON.parse(readFileSync(manifest, 'utf8')) as object);
  } catch {
    return false;
  }
}

/**
 * The variables a process reads its settings from: its environment over its settings file. The file
 * is ENV_FILE when set (a relative path is taken from the workspace root, wherever the process was
 * started: `nx serve` starts it in its project's folder), else `.env` at the workspace root when there
 * is one. A variable set in the environment, even to nothing, wins over the file, as with
 * `node --env-file`. An ENV_FILE that cannot be read stops start-up naming it.
 *
 * `cp .env.example .env` is then all a checkout needs to run every service on the local Kafka and
 * MongoDB, whichever way it is started (`nx serve`, `npm start`, `tsx`).
 */
export function environment(env: NodeJS.ProcessEnv = process.env, root: string | undefined = workspaceRoot()): NodeJS.ProcessEnv {
  const file = envFileOf(env, root);
  return file === undefined ? env : { ...readEnvFile(file), ...env };
}

function envFileOf(env: NodeJS.ProcessEnv, root: string | undefined): string | undefined {
  const chosen = env[ENV_FILE];
  if (chosen !== undefined && chosen !== '') return resolve(root ?? process.cwd(), chosen);
  const fallback = root === undefined ? undefined : join(root, '.env');
  return fallback !== undefined && existsSync(fallback) ? fallback : undefined;
}

/** KEY=value lines (comments, quotes and `export` allowed, as `node --env-file` reads them). */
export function readEnvFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new ConfigError([{ variable: ENV_FILE, message: `cannot read the settings file ${path}: ${reason}` }]);
  }
  return Object.fromEntries(Object.entries(parseEnv(text)).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
