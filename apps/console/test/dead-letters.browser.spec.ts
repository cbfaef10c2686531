import { beforeAll, describe, expect, it } from 'vitest';
import type { KafkaBus } from '@notify/bus';
import { topics } from '@notify/contracts';
import { waitFor } from '@notify/testing';
import { consoleSession, PHONE, adminHeaders, type ConsolePage } from './browser-harness';

const session = consoleSession('console-dead-letters');

let bus: KafkaBus;

const gadget = JSON.stringify({ version: 1, id: 'gadget-1', type: 'gadget.ping', to: { userId: 'zed' }, payload: { title: 'Your gadget pinged' }, createdAt: new Date().toISOString() });
const broken = '{"version":1, "id": "broken-1", oops';

beforeAll(async () => {
  bus = await session.bus('producer');
  // A type no rule knows, sent without a priority, and bytes that are not JSON: both set aside by the router.
  await bus.publishRaw(topics.notifyEvents, [{ key: 'zed', value: gadget }, { key: 'zed', value: broken }]);
  await waitFor('both letters on notify.dlq', async () => ((await (await fetch(`${session.router.base}/v1/admin/dead-letters`, { headers: adminHeaders })).json()) as { letters: unknown[] }).letters.length === 2, { timeoutMs: 30_000 });
});

const rowOf = (tab: ConsolePage, reason: string) => tab.page.getByTestId('dl-table').locator('tbody tr', { hasText: reason });

describe('the Dead letters page', () => {
  it('lists letters, shows their bytes, replays one after the fix (routed), another person discards one, and the log shows who', async () => {
    const alice = await session.open();
    await alice.signIn();
    await alice.go('Dead letters');
    const page = alice.page;
    await rowOf(alice, 'unknown_type').waitFor();
    await rowOf(alice, 'malformed_json').waitFor();

    // The original bytes, as the producer sent them.
    await rowOf(alice, 'unknown_type').getByRole('button', { name: /Show the bytes/ }).click();
    const original = JSON.parse((await page.getByTestId('dl-original').textContent())!) as unknown;
    expect(original).toEqual(JSON.parse(gadget));
    await rowOf(alice, 'malformed_json').getByRole('button', { name: /Show the bytes/ }).click();
    await page.getByTestId('dl-original').getByText('oops').waitFor();
    await alice.screenshot('console-dead-letters-bytes');

    // The fix: a rule for gadget.* events. Then the letter is replayed and routed.
    expect((await fetch(`${session.router.base}/v1/admin/rules`, { method: 'POST', headers: adminHeaders, body: JSON.stringify({ ruleId: 'gadgets', name: 'gadget pings', definition: { match: { types: ['gadget.*'] }, outcome: { priority: 'transactional' } } }) })).status).toBe(201);
    await rowOf(alice, 'unknown_type').getByRole('button', { name: /Show the bytes/ }).click();
    await page.getByRole('button', { name: 'Replay this letter' }).click();
    await page.getByTestId('dl-notice').getByText('Replayed 1 letter').waitFor();
    await waitFor('the replayed event to be routed', async () => {
      const res = await fetch(`${session.router.base}/v1/events/gadget-1/history`, { headers: adminHeaders });
      return res.status === 200 && ((await res.json()) as { history: Array<{ status: string }> }).history.some((s) => s.status === 'routed');
      // The history is written by the status trail, a background consumer: with other suites sharing two cores it waits its turn.
    }, { timeoutMs: 60_000 });
    // No longer offered, once the page has shown the replay (its list is read again after the action).
    await rowOf(alice, 'unknown_type').waitFor({ state: 'detached', timeout: 10_000 });
    expect(await rowOf(alice, 'unknown_type').count()).toBe(0);

    // Another person discards the malformed letter, with the keyboard.
    const bob = await session.open();
    await bob.signIn('ops-bob:admin-secret-bob-0123456789');
    await bob.go('Dead letters');
    await rowOf(bob, 'malformed_json').getByRole('checkbox').focus();
    await bob.page.keyboard.press('Space');
    await bob.page.getByRole('button', { name: 'Discard selected (1)' }).focus();
    await bob.page.keyboard.press('Enter');
    await bob.page.getByTestId('dl-notice').getByText('Discarded 1 letter').waitFor();
    await bob.page.getByTestId('dl-empty').waitFor();

    // Every letter with its state, and the action log with who did what.
    await page.getByLabel('State').selectOption('all');
    await page.getByRole('button', { name: 'Show letters' }).click();
    await rowOf(alice, 'malformed_json').getByTestId('dl-state').getByText('discarded').waitFor();
    expect(await rowOf(alice, 'unknown_type').getByTestId('dl-state').textContent()).toMatch(/replayed\s*by ops-alice/);
    expect(await rowOf(alice, 'malformed_json').getByTestId('dl-state').textContent()).toMatch(/discarded\s*by ops-bob/);
    expect(await page.getByTestId('dl-actions').getByTestId('dl-actor').allTextContents()).toEqual(['ops-bob', 'ops-alice']);
    expect(await rowOf(alice, 'unknown_type').getByRole('checkbox').count()).toBe(0); // handled letters cannot be selected
    await page.getByRole('button', { name: 'Close' }).click();
    await alice.screenshot('console-dead-letters');
  });

  it('fits a phone screen', async () => {
    const tab = await session.open(PHONE);
    await tab.signIn();
    await tab.go('Dead letters');
    await tab.page.getByLabel('State').selectOption('all');
    await tab.page.getByRole('button', { name: 'Show letters' }).click();
    await rowOf(tab, 'malformed_json').waitFor();
    expect(await tab.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await tab.screenshot('console-dead-letters-phone');
  });
});
