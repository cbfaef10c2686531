import { beforeAll, describe, expect, it } from 'vitest';
import { topics, type DeliveryStatus } from '@notify/contracts';
import { waitFor } from '@notify/testing';
import { consoleSession, PHONE, adminHeaders, producerHeaders } from './browser-harness';

const session = consoleSession('console-trail');

const send = (id: string, userId: string) =>
  fetch(`${session.router.base}/v1/events`, { method: 'POST', headers: producerHeaders, body: JSON.stringify({ version: 1, id, type: 'order.shipped', priority: 'transactional', to: { userId }, payload: { title: `Order ${id} shipped` }, createdAt: new Date().toISOString() }) });
const routed = (eventId: string) => async () => {
  const res = await fetch(`${session.router.base}/v1/events/${eventId}/history`, { headers: adminHeaders });
  return res.status === 200 && ((await res.json()) as { history: Array<{ status: string }> }).history.some((s) => s.status === 'routed');
};

beforeAll(async () => {
  for (const id of ['order-7', 'order-8']) expect((await send(id, 'tia')).status).toBe(202);
  await waitFor('both events routed', async () => (await routed('order-7')()) && (await routed('order-8')()), { timeoutMs: 30_000 });
  // What the gateway and the push service record later in order-8's life (they do not run here).
  const bus = await session.bus('services');
  const later = (status: DeliveryStatus['status'], service: string, seconds: number, extra: Partial<DeliveryStatus> = {}): { value: DeliveryStatus } => ({ value: { version: 1, eventId: 'order-8', notificationId: 'order-8:tia', userId: 'tia', status, service, at: new Date(Date.now() + seconds * 1000).toISOString(), ...extra } });
  await bus.publish(topics.deliveryStatus, [
    later('sent', 'push', 1, { channel: 'apns' }),
    later('failed', 'push', 1, { channel: 'fcm', reason: 'the provider said the token is no longer registered' }),
    later('sent', 'gateway', 2, { channel: 'inapp' }),
    later('delivered', 'gateway', 3, { channel: 'inapp' }),
    later('read', 'gateway', 4, { channel: 'inapp' }),
  ]);
  await waitFor('order-8 read on the trail', async () => ((await (await fetch(`${session.router.base}/v1/notifications/order-8:tia/history`, { headers: adminHeaders })).json()) as { history: Array<{ status: string }> }).history.some((s) => s.status === 'read'), { timeoutMs: 30_000 });
});

describe('the Trail page', () => {
  it('finds a routed event by its id, and a user’s notifications with each one’s history', async () => {
    const tab = await session.open();
    await tab.signIn();
    await tab.go('Trail');
    const page = tab.page;

    // By event id, with the keyboard.
    await page.getByRole('textbox', { name: 'Event id' }).fill('order-7');
    await page.keyboard.press('Enter');
    const event = page.getByTestId('trail-event');
    await event.getByRole('heading', { name: 'Notification order-7:tia (to tia)' }).waitFor();
    expect(await event.getByTestId('trail-status').allTextContents()).toContain('routed');
    await tab.screenshot('console-trail-event');

    // By user id: the user's recent notifications, newest first, each with its status now; then one's whole history.
    await page.getByRole('textbox', { name: 'User id' }).fill('tia');
    await page.getByRole('button', { name: 'Find user' }).click();
    const user = page.getByTestId('trail-user');
    await user.getByText('order-8:tia').waitFor();
    expect(await user.locator('tbody tr code').allTextContents()).toEqual(['order-8:tia', 'order-7:tia']);
    await user.getByRole('button', { name: 'Show the history of order-8:tia' }).click();
    const timeline = user.getByTestId('trail-timeline');
    await timeline.getByRole('heading', { name: 'Notification order-8:tia' }).waitFor();
    expect(await timeline.getByTestId('trail-status').allTextContents()).toEqual(['routed', 'routed', 'sent', 'failed', 'sent', 'delivered', 'read']);
    await timeline.getByText('the provider said the token is no longer registered').waitFor();
    expect(await user.locator('tbody tr', { hasText: 'order-8:tia' }).locator('.badge').textContent()).toBe('read');
    await tab.screenshot('console-trail');

    // An id nobody sent says so.
    tab.expectError(/404/);
    await page.getByRole('textbox', { name: 'Event id' }).fill('never-sent');
    await page.getByRole('button', { name: 'Find event' }).click();
    await page.getByRole('alert').getByText('Nothing found').waitFor();
  });

  it('fits a phone screen', async () => {
    const tab = await session.open(PHONE);
    await tab.signIn();
    await tab.go('Trail');
    await tab.page.getByRole('textbox', { name: 'User id' }).fill('tia');
    await tab.page.getByRole('button', { name: 'Find user' }).click();
    await tab.page.getByTestId('trail-user').getByText('order-7:tia').waitFor();
    expect(await tab.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await tab.screenshot('console-trail-phone');
  });
});
