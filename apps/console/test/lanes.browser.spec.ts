import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaBus, Subscription } from '@notify/bus';
import { topics, type Notification } from '@notify/contracts';
import { waitFor } from '@notify/testing';
import { consoleSession, PHONE, adminHeaders, type ConsolePage } from './browser-harness';

const session = consoleSession('console-lanes', { ROUTER_LANES_SAMPLE_MS: '500' });

let bus: KafkaBus;
let push: Subscription | undefined;
let handled = 0;

const pushFor = (i: number): Notification => ({ version: 1, notificationId: `lane-${i}:user-${i % 20}`, eventId: `lane-${i}`, userId: `user-${i % 20}`, type: 'order.eta', priority: 'transactional', content: { data: {} }, createdAt: new Date().toISOString() });
/** The push service's group on the transactional push lane, played by the test so it can be stopped. */
const consumePushes = () => bus.subscribeBatch(topics.deliverPushTransactional, { groupId: 'push', partitionsConcurrently: 8 }, async (batch) => void (handled += batch.length));
const pushLag = async () => {
  const report = (await (await fetch(`${session.router.base}/v1/admin/lanes`, { headers: adminHeaders })).json()) as { topics: Array<{ topic: string; groups: Array<{ groupId: string; lag: number | null }> }> };
  return report.topics.find((t) => t.topic === 'deliver.push.transactional')?.groups.find((g) => g.groupId === 'push')?.lag;
};

beforeAll(async () => {
  bus = await session.bus('push-stand-in');
  push = await consumePushes();
  await bus.publish(topics.deliverPushTransactional, Array.from({ length: 20 }, (_, i) => ({ value: pushFor(i) })));
  await waitFor('the push group to read the first 20', () => handled >= 20, { timeoutMs: 30_000 });
  await waitFor('the push group caught up', async () => (await pushLag()) === 0, { timeoutMs: 30_000, intervalMs: 200 });
});
afterAll(async () => {
  await push?.stop();
});

const pushRow = (tab: ConsolePage) => tab.page.getByTestId('topic:deliver.push.transactional').filter({ hasText: 'push' }).first();

describe('the Lanes page', () => {
  it('shows a lane’s lag rising (refreshing by itself) while its consumer is stopped, and back at 0 once it is back (keyboard: pause, refresh now)', async () => {
    const tab = await session.open();
    await tab.signIn();
    await tab.go('Lanes');
    const page = tab.page;
    await page.getByRole('heading', { name: 'Lanes' }).waitFor();
    await expect.poll(() => pushRow(tab).getByTestId('lag:push').textContent(), { timeout: 15_000 }).toBe('0');

    // The push service stops; 150 pushes are written meanwhile.
    await push!.stop();
    push = undefined;
    await bus.publish(topics.deliverPushTransactional, Array.from({ length: 150 }, (_, i) => ({ value: pushFor(100 + i) })));
    // The page refreshes by itself.
    await expect.poll(() => pushRow(tab).getByTestId('lag:push').textContent(), { timeout: 20_000 }).toBe('150 no consumer');
    await tab.screenshot('console-lanes');

    // Keyboard: pause, then refresh at once after the consumer is back.
    await page.getByRole('button', { name: 'Pause' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    push = await consumePushes();
    await waitFor('the push group to catch up', async () => (await pushLag()) === 0, { timeoutMs: 30_000, intervalMs: 200 });
    expect(await pushRow(tab).getByTestId('lag:push').textContent()).toBe('150 no consumer'); // paused: not asked again
    await page.getByRole('button', { name: 'Refresh now' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => pushRow(tab).getByTestId('lag:push').textContent(), { timeout: 10_000 }).toBe('0');
  });

  it('reads on a phone: each topic and group a card of labelled figures, nothing off to the side', async () => {
    const tab = await session.open(PHONE);
    await tab.signIn();
    await tab.go('Lanes');
    const lag = pushRow(tab).getByTestId('lag:push');
    await lag.waitFor();
    const box = (await lag.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    const overflow = await tab.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await tab.screenshot('console-lanes-phone');
  });
});
