import { describe, expect, it } from 'vitest';
import { topics } from '@notify/contracts';
import { silentLogger } from '@notify/observability';
import { freePort } from '@notify/testing';
import { startedProcesses, startingInMemory, startProcess, type ProcessConfig } from './process';
import type { ServiceModule } from './service-module';

async function config(): Promise<ProcessConfig> {
  return { logLevel: 'silent', host: '127.0.0.1', port: await freePort(), shutdownTimeoutMs: 5000 };
}

describe('startProcess', () => {
  it('starts modules before serving, and on stop drains readiness first, then stops modules in reverse', async () => {
    const log: string[] = [];
    let isDraining = () => false;
    const module = (name: string): ServiceModule => ({ name, start: async () => void log.push(`start ${name}`), stop: async () => void log.push(`stop ${name}${isDraining() ? ' (draining)' : ''}`) });
    const running = await startProcess({
      service: 'test',
      config: await config(),
      logger: silentLogger(),
      modules: (deps) => {
        isDraining = deps.http.isDraining;
        return [module('a'), module('b')];
      },
    });
    expect(log).toEqual(['start a', 'start b']);
    const ready = await fetch(`${running.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, checks: { bus: { ok: true }, store: { ok: true } } });
    expect(running.deps.bus.kind).toBe('memory');
    expect(running.deps.store.kind).toBe('memory');

    await running.stop('test');
    expect(log).toEqual(['start a', 'start b', 'stop b (draining)', 'stop a (draining)']);
    await expect(fetch(`${running.url}/healthz`)).rejects.toThrow();
  });

  it('gives modules a started bus with the whole catalogue provisioned', async () => {
    let published = 0;
    const running = await startProcess({
      service: 'test',
      config: await config(),
      logger: silentLogger(),
      modules: (deps) => [
        {
          name: 'publisher',
          start: async () => {
            await deps.bus.publishRaw(topics.deliveryStatus, [{ key: 'k', value: '{}' }]);
            published++;
          },
          stop: async () => {},
        },
      ],
    });
    expect(published).toBe(1);
    await running.stop('test');
  });

  it('stops once, however often it is asked', async () => {
    let stops = 0;
    const running = await startProcess({ service: 'test', config: await config(), logger: silentLogger(), modules: () => [{ name: 'm', start: async () => {}, stop: async () => void stops++ }] });
    await Promise.all([running.stop('a'), running.stop('b')]);
    expect(stops).toBe(1);
  });
});

describe('startingInMemory', () => {
  it('starts a process configured for Kafka and MongoDB on the in-process bus and store and a random local port, and lists it until it stops', async () => {
    const distributed: ProcessConfig = { ...(await config()), host: '0.0.0.0', port: 1, kafkaBrokers: ['unused.invalid:9092'], mongoUrl: 'mongodb://unused.invalid/notify' };
    const running = await startingInMemory(() => startProcess({ service: 'tool', config: distributed, logger: silentLogger(), modules: () => [] }));
    expect(running.deps.bus.kind).toBe('memory');
    expect(running.deps.store.kind).toBe('memory');
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(startedProcesses()).toContain(running);
    expect((await fetch(`${running.url}/openapi.json`)).status).toBe(200);
    await running.stop('test');
    expect(startedProcesses()).not.toContain(running);
  });
});
