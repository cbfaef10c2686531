import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/**
 * Chromium from PATH or /usr/bin, for browser tests driven through playwright-core; installed from
 * the distribution when missing (the test machine's set-up).
 */
export function findChromium(): string {
  const candidates = [...(process.env.PATH ?? '').split(':').map((dir) => path.join(dir, 'chromium')), '/usr/bin/chromium'];
  const found = () => candidates.find((file) => isExecutable(file));
  const existing = found();
  if (existing) return existing;
  if (process.getuid?.() !== 0) throw new Error('the browser tests need chromium: install it with `apt-get install -y chromium` (as root), or put a chromium on PATH');
  const apt = (...args: string[]) => execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', ...args], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  try {
    try {
      apt('install', '-y', 'chromium');
    } catch {
      // A fresh machine may not have read the package lists yet.
      apt('update');
      apt('install', '-y', 'chromium');
    }
  } catch (err) {
    throw new Error(`installing chromium with apt-get failed (${(err as Error).message}); run \`apt-get update && apt-get install -y chromium\` and retry`);
  }
  const installed = found();
  if (!installed) throw new Error('apt-get installed chromium but no chromium is on PATH or at /usr/bin/chromium');
  return installed;
}

/** As root chromium needs --no-sandbox; the tests load only their own pages. */
export function chromiumArgs(): string[] {
  return process.getuid?.() === 0 ? ['--no-sandbox'] : [];
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
