import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const workspace = fileURLToPath(new URL('../../..', import.meta.url));
const assembleScript = path.join(workspace, 'infra/image/assemble-release.sh');

export type Deployable = 'router' | 'gateway' | 'presence' | 'push' | 'webhooks' | 'embedded';

export interface Release {
  /** The folder the image's build stage copies into the image: compiled services and production dependencies. */
  dir: string;
  /** The compiled entry point `node` runs for a service (or the embedded app) in production. */
  entry(deployable: Deployable): string;
  remove(): Promise<void>;
}

/**
 * Lays out the release exactly as the image's build stage does (infra/image/assemble-release.sh),
 * in a folder outside the repository, from the builds nx made before this suite ran.
 */
export async function assembleRelease(): Promise<Release> {
  const dir = await mkdtemp(path.join(tmpdir(), 'notify-release-'));
  const { NO_COLOR: _noColor, FORCE_COLOR: _forceColor, ...env } = process.env;
  await promisify(execFile)('bash', [assembleScript, dir], { cwd: workspace, env, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }).catch((err: Error & { stderr?: string }) => {
    throw new Error(`assembling the release failed: ${err.message}\n${err.stderr ?? ''}`);
  });
  return {
    dir,
    entry: (deployable) => path.join(dir, deployable === 'embedded' ? 'apps/embedded/dist/main.js' : `services/${deployable}/dist/main.js`),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
