/**
 * The console's browser tests: a real router (Kafka + the MongoDB-wire server) serving the built
 * console, driven in Debian's chromium through playwright-core. Every console error or page error
 * fails the test unless the test said it expects it; every page visited is saved as a screenshot.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { KafkaBus } from '@notify/bus';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { findChromium, freePort, requireKafka, requireMongo, startServiceProcess, uniqueName, waitFor, type ServiceProcess } from '@notify/testing';

const root = fileURLToPath(new URL('../../../', import.meta.url));
/** Screenshots land here (gitignored); the README's images are copied from it. */
export const OUTPUT_DIR = path.join(root, 'apps/console/test-output');

export const ADMIN = { name: 'ops-alice', secret: 'admin-secret-0123456789abcd' };
export const PRODUCER_SECRET = 'producer-secret-0123456789';
export const producerHeaders = { 'content-type': 'application/json', authorization: `Bearer ${PRODUCER_SECRET}` };
export const adminHeaders = { 'content-type': 'application/json', authorization: `Bearer ${ADMIN.secret}` };

/** Builds the console when its build is missing or stale (nx test console builds it first anyway). */
export function ensureConsoleBuilt(): void {
  execFileSync(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), path.join(root, 'scripts/build-console-if-stale.ts')], { stdio: 'inherit' });
}

export interface RunningRouter {
  base: string;
  env: Record<string, string>;
  process: ServiceProcess;
  stop(): Promise<void>;
}

/** A router process of its own (topic prefix and database), serving the console, with admin and producer tokens. */
export async function startRouter(name: string, extraEnv: Record<string, string> = {}): Promise<RunningRouter> {
  ensureConsoleBuilt();
  const env = {
    KAFKA_BROKERS: (await requireKafka()).join(','),
    MONGO_URL: await requireMongo(uniqueName(name)),
    TOPIC_PREFIX: uniqueName(name),
    INTAKE_TOKENS: `shop:${PRODUCER_SECRET}`,
    ADMIN_TOKENS: `${ADMIN.name}:${ADMIN.secret},ops-bob:admin-secret-bob-0123456789`,
    LOG_LEVEL: 'warn',
    // Names the router's own consumer groups (the Lanes page shows them) the same on every machine.
    INSTANCE_NAME: 'router-1',
    ...extraEnv,
  };
  const port = await freePort();
  const child = startServiceProcess(path.join(root, 'services/router/src/main.ts'), { ...env, PORT: String(port) });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`router on port ${port} to be ready`, async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200, { timeoutMs: 60_000, intervalMs: 100 });
  return { base, env, process: child, stop: async () => void (await child.stop('SIGKILL')) };
}

export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 390, height: 844 };

export class ConsoleBrowser {
  private constructor(private readonly browser: Browser) {}

  static async launch(): Promise<ConsoleBrowser> {
    const executablePath = findChromium();
    // As root chromium needs --no-sandbox; the tests load only our own pages.
    const browser = await chromium.launch({ executablePath, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
    return new ConsoleBrowser(browser);
  }

  /** A fresh tab (its own sessionStorage) on the console. */
  async open(base: string, viewport = DESKTOP): Promise<ConsolePage> {
    const context = await this.browser.newContext({ viewport });
    const page = await context.newPage();
    const tab = new ConsolePage(page, base);
    await page.goto(`${base}/console/`);
    return tab;
  }

  close(): Promise<void> {
    return this.browser.close();
  }
}

export class ConsolePage {
  /** Console errors and page errors seen so far, other than those expected. */
  readonly errors: string[] = [];
  private readonly expected: RegExp[] = [];

  constructor(
    readonly page: Page,
    readonly base: string,
  ) {
    page.on('console', (message) => {
      if (message.type() === 'error') this.record(`console: ${message.text()}`);
    });
    page.on('pageerror', (err) => this.record(`page error: ${err.message}`));
  }

  /** An error the test provokes on purpose (e.g. the browser's own log line for a 409 it expects). */
  expectError(pattern: RegExp): void {
    this.expected.push(pattern);
  }

  async signIn(token = `${ADMIN.name}:${ADMIN.secret}`): Promise<void> {
    await this.page.getByLabel('Admin token').fill(token);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
    await this.page.getByTestId('who').waitFor();
  }

  /** Goes to a page by its navigation link. */
  async go(label: string): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: label }).click();
  }

  /** Saves what the tab shows as test-output/<name>.png (full page). */
  async screenshot(name: string): Promise<string> {
    mkdirSync(OUTPUT_DIR, { recursive: true });
    const file = path.join(OUTPUT_DIR, `${name}.png`);
    await this.page.screenshot({ path: file, fullPage: true });
    return file;
  }

  /** Fails with every unexpected error the tab logged. */
  assertNoErrors(): void {
    if (this.errors.length > 0) throw new Error(`the console logged errors:\n${this.errors.join('\n')}`);
  }

  async close(): Promise<void> {
    this.assertNoErrors();
    await this.page.context().close();
  }

  private record(text: string): void {
    if (!this.expected.some((pattern) => pattern.test(text))) this.errors.push(text);
  }
}

/** One spec file's router and browser, and the tabs and buses its tests open. */
export interface ConsoleSession {
  /** The router (after the spec's first beforeAll: the session's own runs first). */
  readonly router: RunningRouter;
  /** A fresh signed-out tab on the console, closed after the test (failing it on any unexpected browser error). */
  open(viewport?: typeof DESKTOP): Promise<ConsolePage>;
  /** A started bus on the router's topics, for writing what other services would; stopped after the file. */
  bus(clientId: string): Promise<KafkaBus>;
}

/**
 * Starts a router (`startRouter(name, env)`) and chromium before the file's tests and stops them
 * after; call it at the top of a spec file, before the file's own hooks.
 * @example const session = consoleSession('console-rules'); const tab = await session.open();
 */
export function consoleSession(name: string, env: Record<string, string> = {}): ConsoleSession {
  let router: RunningRouter | undefined;
  let browser: ConsoleBrowser | undefined;
  const tabs: ConsolePage[] = [];
  const buses: KafkaBus[] = [];
  beforeAll(async () => {
    router = await startRouter(name, env);
    browser = await ConsoleBrowser.launch();
  });
  afterEach(async () => {
    for (const tab of tabs.splice(0)) await tab.close();
  });
  afterAll(async () => {
    for (const bus of buses.splice(0)) await bus.stop();
    await browser?.close();
    await router?.stop();
  });
  const started = () => {
    if (!router || !browser) throw new Error('the console session has not started: use it inside tests and hooks');
    return { router, browser };
  };
  return {
    get router() {
      return started().router;
    },
    async open(viewport = DESKTOP) {
      const { router, browser } = started();
      const tab = await browser.open(router.base, viewport);
      tabs.push(tab);
      return tab;
    },
    async bus(clientId) {
      const { router } = started();
      const bus = new KafkaBus({ brokers: router.env.KAFKA_BROKERS!.split(','), clientId, service: clientId, topicPrefix: router.env.TOPIC_PREFIX!, logger: silentLogger(), metrics: createMetricsRegistry(clientId, { processMetrics: false }), provision: [] });
      await bus.start();
      buses.push(bus);
      return bus;
    },
  };
}
