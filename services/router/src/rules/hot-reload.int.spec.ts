import { afterAll, describe, expect, it } from 'vitest';
import { waitFor, type ServiceProcess } from '@notify/testing';
import { adminHeaders as admin, routerEnv, startRouter as startRouterProcess } from '../../test/router-process';

const routers: ServiceProcess[] = [];
afterAll(async () => {
  await Promise.all(routers.map((r) => r.stop('SIGKILL')));
});

async function startRouter(env: Record<string, string>): Promise<string> {
  const { base, process } = await startRouterProcess(env);
  routers.push(process);
  return base;
}

async function decidingRule(base: string, event: unknown): Promise<string | null> {
  const res = await fetch(`${base}/v1/admin/rules/dry-run`, { method: 'POST', headers: admin, body: JSON.stringify({ event }) });
  return ((await res.json()) as { ruleId: string | null }).ruleId;
}

describe('rules hot reload', () => {
  it('reaches every router instance without a restart', async () => {
    const env = await routerEnv('hot-reload');
    const [first, second] = await Promise.all([startRouter(env), startRouter(env)]);
    const event = { version: 1, id: 'e1', type: 'auth.otp', to: { userId: 'alice' }, payload: {}, createdAt: new Date().toISOString() };
    expect(await decidingRule(second!, event)).toBeNull();

    const changedAt = Date.now();
    const created = await fetch(`${first}/v1/admin/rules`, { method: 'POST', headers: admin, body: JSON.stringify({ ruleId: 'otp', name: 'OTP critical', definition: { match: { types: ['auth.otp'] }, outcome: { priority: 'critical' } } }) });
    expect(created.status).toBe(201);
    await waitFor('the other instance to apply the new rule', async () => (await decidingRule(second!, event)) === 'otp', { timeoutMs: 10_000, intervalMs: 10 });
    const createMs = Date.now() - changedAt;

    const disabledAt = Date.now();
    await fetch(`${first}/v1/admin/rules/otp`, { method: 'PATCH', headers: admin, body: JSON.stringify({ enabled: false }) });
    await waitFor('the other instance to drop the disabled rule', async () => (await decidingRule(second!, event)) === null, { timeoutMs: 10_000, intervalMs: 10 });
    const disableMs = Date.now() - disabledAt;
    console.log(`rule change reached the other router in ${createMs} ms (create) and ${disableMs} ms (disable)`);
  });
});
