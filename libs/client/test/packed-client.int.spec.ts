import { copyFile, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, findChromium, freshProject, packPackage, uniqueName, type FreshProject } from '@notify/testing';
import { startGateway, userToken, type GatewayUnderTest } from './gateway-process';
import { startPush, type PushUnderTest } from './push-process';

/**
 * The package as an app gets it: built, `npm pack`ed from dist/, installed from the tarball into a
 * new project outside the repository; run with plain node, and its browser bundle in chromium,
 * against a real gateway process on the real Kafka.
 */
const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
let project: FreshProject;
let tarball: string;
let gateway: GatewayUnderTest;
let push: PushUnderTest;
let page: Server | undefined;
let browser: Browser | undefined;
let pageOrigin: string;

beforeAll(async () => {
  // The page's origin is known before the gateway starts, so the gateway allows it (socket.io polling is CORS).
  page = createServer();
  await new Promise<void>((r) => page!.listen(0, '127.0.0.1', r));
  pageOrigin = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
  [gateway, push, tarball] = await Promise.all([startGateway({ GATEWAY_CORS_ORIGINS: pageOrigin }), startPush(), packPackage(packageDir, { build: ['npm', 'run', 'build'], from: './dist' })]);
  project = await freshProject([tarball], ['typescript', '@types/node']);
  // Chromium may have to be installed first (findChromium does it): in the hook, whose time is longer.
  browser = await chromium.launch({ executablePath: findChromium(), headless: true, args: chromiumArgs() });
  for (const example of ['receive-in-node.mjs', 'browser.html', 'register-device.mjs']) await copyFile(join(packageDir, 'examples', example), join(project.dir, example));
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => (page ? page.close(r) : r(undefined)));
  await gateway?.stop();
  await push?.stop();
  await project?.remove();
  if (tarball) await rm(dirname(tarball), { recursive: true, force: true });
});

describe('@notify/client, packed and installed', () => {
  it('ships built JavaScript, types and a browser bundle, depending on no private package', async () => {
    const manifest = JSON.parse(await readFile(join(project.dir, 'node_modules/@notify/client/package.json'), 'utf8')) as { dependencies: Record<string, string>; private?: boolean };
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['socket.io-client', 'zod']);
    expect(manifest.private).toBeUndefined();
    await project.write('check.mjs', `import * as esm from '@notify/client'; import { createRequire } from 'node:module';
const cjs = createRequire(import.meta.url)('@notify/client');
const bundle = await import('@notify/client/browser').catch((err) => ({ error: err.message }));
console.log(JSON.stringify({ esm: typeof esm.NotifyClient, cjs: typeof cjs.NotifyClient, bundle: typeof bundle.NotifyClient }));`);
    const result = await project.node('check.mjs');
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ esm: 'function', cjs: 'function', bundle: 'function' });
  });

  it('receives a notification in Node: the example connects with the user token and prints it', async () => {
    const userId = uniqueName('node-user');
    const running = project.start('receive-in-node.mjs', { env: { NOTIFY_URL: gateway.url, USER_TOKEN: await userToken(userId) } });
    try {
      await running.waitForLine(/"connected":true/);
      const sent = await gateway.deliver(userId, 'Hello from Kafka');
      const line = await running.waitForLine(/"notification"/);
      expect(JSON.parse(line)).toEqual({ notification: { id: sent.notificationId, seq: expect.any(Number), type: 'chat.message', title: 'Hello from Kafka' } });
      expect(running.stderr()).toBe('');
    } finally {
      await running.stop();
    }
  });

  it('says why the gateway refused a bad token', async () => {
    const result = await project.node('receive-in-node.mjs', { env: { NOTIFY_URL: gateway.url, USER_TOKEN: 'not-a-jwt' } });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/notify: .*(unauthorized|token)/i);
  });

  it('type-checks an app against the installed types', async () => {
    await project.write(
      'app.ts',
      `import { NotifyClient, NotifyError, type ClientNotification, type DeviceRegistration } from '@notify/client';
const client = new NotifyClient({ url: 'http://127.0.0.1:1', token: async () => 'jwt', pushUrl: 'http://127.0.0.1:2' });
client.on('notification', (n: ClientNotification) => console.log(n.seq, n.content.title, n.priority));
const registration: DeviceRegistration = { platform: 'ios', appId: 'com.example', environment: 'sandbox' };
// @ts-expect-error: not a platform
const wrong: DeviceRegistration = { platform: 'windows', appId: 'x' };
// @ts-expect-error: no such event
client.on('nope', () => undefined);
export const done: Promise<boolean> = client.registerDevice('t'.repeat(16), registration).then((r) => r.created);
export { wrong, NotifyError };
`,
    );
    const result = await project.typecheck(['app.ts']);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('receives a notification in chromium through the browser bundle, loaded by a page with <script type="module">', async () => {
    const bundle = join(project.dir, 'node_modules/@notify/client/browser/notify-client.js');
    const html = await readFile(join(project.dir, 'browser.html'));
    page!.on('request', (request, response) => {
      const path = new URL(request.url ?? '/', pageOrigin).pathname;
      if (path === '/') response.writeHead(200, { 'content-type': 'text/html' }).end(html);
      else if (path === '/notify-client.js') void readFile(bundle).then((js) => response.writeHead(200, { 'content-type': 'text/javascript' }).end(js));
      else if (path === '/favicon.ico') response.writeHead(204).end();
      else response.writeHead(404).end(`no ${path}`);
    });
    const tab = await browser!.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (err) => errors.push(err.message));
    tab.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    const userId = uniqueName('browser-user');
    await tab.goto(`${pageOrigin}/?${new URLSearchParams({ url: gateway.url, token: await userToken(userId) })}`);
    await tab.getByText(/^connected \(websocket\)$/).waitFor({ timeout: 15_000 });
    const sent = await gateway.deliver(userId, 'Hello, browser');
    await tab.locator(`li[data-id="${sent.notificationId}"]`).waitFor({ timeout: 15_000 });
    expect(await tab.locator('#inbox li').allTextContents()).toEqual(['Hello, browser']);
    expect(errors).toEqual([]);
  });

  it('registers the app’s push token for the signed-in user on the real push service, and removes it on logout', async () => {
    const userId = uniqueName('device-user');
    const pushToken = 'a1b2c3d4'.repeat(8);
    await project.write(
      'devices.mjs',
      `import { NotifyClient } from '@notify/client';
const client = new NotifyClient({ url: 'http://127.0.0.1:1', pushUrl: process.env.PUSH_URL, token: async () => process.env.USER_TOKEN });
const mine = async () => (await (await fetch(process.env.PUSH_URL + '/v1/me/devices', { headers: { authorization: 'Bearer ' + process.env.USER_TOKEN } })).json()).devices.map((d) => [d.tokenSuffix, d.userId, d.platform, d.timeZone]);
const out = {};
out.first = await client.registerDevice('${pushToken}', { platform: 'ios', appId: 'com.example.shop', environment: 'sandbox', timeZone: 'Europe/Paris' }).then((r) => r.created);
out.again = await client.registerDevice('${pushToken}', { platform: 'ios', appId: 'com.example.shop', environment: 'sandbox', timeZone: 'Europe/Paris' }).then((r) => r.created);
out.listed = await mine();
out.bad = await client.registerDevice('${pushToken}', { platform: 'ios', appId: 'com.example.shop', timeZone: 'Mars/Olympus' }).catch((err) => [err.name, err.code, err.status, err.message]);
out.removed = await client.unregisterDevice('${pushToken}');
out.removedAgain = await client.unregisterDevice('${pushToken}');
out.after = await mine();
console.log(JSON.stringify(out));`,
    );
    const result = await project.node('devices.mjs', { env: { PUSH_URL: push.url, USER_TOKEN: await userToken(userId) } });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      first: true,
      again: false,
      listed: [[pushToken.slice(-8), userId, 'ios', 'Europe/Paris']],
      bad: ['NotifyError', 'NOTIFY_ERR_VALIDATION', 400, expect.stringMatching(/timeZone.*IANA time zone/)],
      removed: true,
      removedAgain: false,
      after: [],
    });
    // The example an app copies runs as it is.
    const example = await project.node('register-device.mjs', { args: ['f0e1d2c3'.repeat(8)], env: { PUSH_URL: push.url, USER_TOKEN: await userToken(userId) } });
    expect(example.stderr).toBe('');
    expect(example.stdout.trim().split('\n').map((line) => JSON.parse(line) as unknown)).toEqual([{ registered: 'f0e1d2c3', created: true }, { unregistered: true }]);
  });
});
