import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@notify/config';
import type { ClientNotification, ServerToClientEvents } from '@notify/contracts';
import { undocumentedRoutes } from '@notify/http';
import { silentLogger } from '@notify/observability';
import type { RunningProcess } from '@notify/runtime';
import { freePort, waitFor } from '@notify/testing';
import { embeddedSettings } from './config';
import { devToken, startEmbedded, welcomeText, withGeneratedSecrets } from './embedded';

const root = fileURLToPath(new URL('../../../', import.meta.url));
let running: RunningProcess;
let banner: string;
let socket: Socket<ServerToClientEvents> | undefined;

beforeAll(async () => {
  // As `npm start` does: the console is built first (prestart), then the product starts with made-up secrets.
  execFileSync(process.execPath, [`${root}node_modules/tsx/dist/cli.mjs`, `${root}scripts/build-console-if-stale.ts`], { stdio: 'inherit' });
  const config = withGeneratedSecrets(loadConfig(embeddedSettings, { PORT: String(await freePort()), LOG_LEVEL: 'silent' }));
  running = await startEmbedded(config, silentLogger());
  banner = welcomeText(running.url, running, config, await devToken(config.jwtSecret, 'alice'));
}, 120_000);
afterAll(async () => {
  socket?.disconnect();
  await running?.stop('test done');
});

/** A printed command line split as a shell would: words, and '…' or "…" as one word. */
function shellWords(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** What a printed curl command sends. */
function curlRequest(line: string): { method: string; url: string; headers: Record<string, string>; body?: string } {
  const words = shellWords(line.trim());
  expect(words[0]).toBe('curl');
  const request: { method?: string; url?: string; headers: Record<string, string>; body?: string } = { headers: {} };
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    if (word === '-X') request.method = words[++i];
    else if (word === '-H') {
      const [name, ...value] = words[++i]!.split(':');
      request.headers[name!.trim()] = value.join(':').trim();
    } else if (word === '-d') request.body = words[++i];
    else if (/^https?:\/\//.test(word)) request.url = word;
    else throw new Error(`a curl option this test does not know: ${word}`);
  }
  expect(request.url, line).toBeDefined();
  return { method: request.method ?? (request.body ? 'POST' : 'GET'), url: request.url!, headers: request.headers, ...(request.body === undefined ? {} : { body: request.body }) };
}

const commandLines = () => banner.split('\n').filter((line) => /^\s+(curl|node) /.test(line));

describe('what npm start prints', () => {
  it('has every address it names answer 2xx', async () => {
    const addresses = banner
      .split('\n')
      .filter((line) => !/^\s+(curl|node) /.test(line))
      .flatMap((line) => [...line.matchAll(/(https?|wss?):\/\/[^\s)]+/g)].map((m) => m[0]));
    expect(addresses).toEqual(expect.arrayContaining([`${running.url}/docs`, `${running.url}/openapi.json`, `${running.url}/readyz`, `${running.url}/metrics`, `${running.url}/console`]));
    for (const address of addresses) {
      // The socket address: socket.io's handshake at the printed path.
      const url = /^ws/.test(address) ? `${address.replace(/^ws/, 'http')}/socket.io/?EIO=4&transport=polling` : address;
      const response = await fetch(url);
      expect(response.status, `${address} answered ${response.status}`).toBeGreaterThanOrEqual(200);
      expect(response.status, `${address} answered ${response.status}`).toBeLessThan(300);
    }
  });

  it('runs every printed command as printed: alice listens, gets the first event, has a phone, and the emulators are readable with the admin token', async () => {
    const lines = commandLines();
    expect(lines.map((line) => line.trim().split(' ')[0])).toEqual(['node', 'curl', 'curl', 'curl']);
    // The listener: the address and token it prints, with the socket.io client it names.
    const listen = /io\('([^']+)',\{auth:\{token:'([^']+)'\}\}\)/.exec(lines[0]!);
    expect(listen).not.toBeNull();
    const received: ClientNotification[] = [];
    socket = io(listen![1]!, { auth: { token: listen![2]! }, transports: ['websocket'], reconnection: false });
    socket.on('notification', (n) => received.push(n));
    await new Promise<void>((resolve, reject) => {
      socket!.once('connect', resolve);
      socket!.once('connect_error', reject);
    });
    const answers: Array<{ status: number; body: string }> = [];
    for (const line of lines.slice(1)) {
      const { method, url, headers, body } = curlRequest(line);
      const response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
      answers.push({ status: response.status, body: await response.text() });
      expect(response.status, `${method} ${url}: ${answers.at(-1)!.body}`).toBeGreaterThanOrEqual(200);
      expect(response.status, `${method} ${url}: ${answers.at(-1)!.body}`).toBeLessThan(300);
    }
    await waitFor('alice’s first notification', () => received.some((n) => n.content.title === 'Payment received'), { timeoutMs: 10_000 });
    expect(JSON.parse(answers[2]!.body)).toMatchObject({ note: expect.any(String), apns: expect.any(Array), fcm: expect.any(Array) });
  });
});

describe('the OpenAPI document', () => {
  it('describes every route the product serves (those not hidden on purpose), each with a summary', async () => {
    expect(await undocumentedRoutes(running.deps.http.app)).toEqual([]);
    const doc = (await (await fetch(`${running.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { summary?: string }>> };
    // The routes of every service run here are among them.
    for (const path of ['/v1/events', '/v1/inbox', '/v1/presence/{userId}', '/v1/push/stats', '/v1/admin/users/{userId}/notifications', '/v1/dev/pushes']) expect(doc.paths, path).toHaveProperty([path]);
  });
});
