import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@notify/config';
import { silentLogger } from '@notify/observability';
import type { RunningProcess } from '@notify/runtime';
import { freePort } from '@notify/testing';
import { embeddedSettings } from './config';
import { startEmbedded, withGeneratedSecrets } from './embedded';

const root = fileURLToPath(new URL('../../../', import.meta.url));
let running: RunningProcess;

beforeAll(async () => {
  // What `npm start` runs first (prestart): builds the console when it is missing or stale.
  execFileSync(process.execPath, [`${root}node_modules/tsx/dist/cli.mjs`, `${root}scripts/build-console-if-stale.ts`], { stdio: 'inherit' });
  const config = loadConfig(embeddedSettings, { PORT: String(await freePort()), LOG_LEVEL: 'silent', ADMIN_TOKENS: 'ops-alice:embedded-admin-secret-0123456789' });
  running = await startEmbedded(withGeneratedSecrets(config), silentLogger());
}, 120_000);
afterAll(async () => running?.stop('test done'));

describe('the embedded app', () => {
  it('serves the ops console at /console, with its scripts, and tells a signed-in person who they are', async () => {
    const page = await fetch(`${running.url}/console/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<div id="app"></div>');
    const script = html.match(/src="(\/console\/assets\/[^"]+\.js)"/)?.[1];
    expect(script).toBeDefined();
    expect((await fetch(`${running.url}${script}`)).status).toBe(200);
    const me = await fetch(`${running.url}/v1/admin/whoami`, { headers: { authorization: 'Bearer embedded-admin-secret-0123456789' } });
    expect(await me.json()).toEqual({ name: 'ops-alice' });
  });
});
