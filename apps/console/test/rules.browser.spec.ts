import { describe, expect, it } from 'vitest';
import { waitFor } from '@notify/testing';
import { consoleSession, PHONE, adminHeaders, producerHeaders } from './browser-harness';

const session = consoleSession('console-rules');

const definition = (priority: string) => ({ match: { types: ['order.shipped'] }, outcome: { priority, channels: { mode: 'push_only' } } });
const shipped = (id: string) => ({ version: 1, id, type: 'order.shipped', to: { userId: 'user-7' }, payload: { title: 'Your order shipped' }, createdAt: new Date().toISOString() });

describe('the Rules page', () => {
  it('creates a rule, dry-runs it, sees it route a real event, edits it with a diff, meets a stale revision and rolls back', async () => {
    const tab = await session.open();
    const page = tab.page;
    await tab.signIn();
    expect(await page.getByTestId('who').textContent()).toBe('ops-alice');

    // Create, with live validation: a wrong priority is named before anything is saved.
    await page.getByRole('button', { name: 'New rule' }).click();
    await page.getByLabel('Rule id').fill('shipping');
    await page.getByLabel('Name', { exact: true }).fill('Shipping updates');
    await page.getByLabel('Definition (JSON)').fill(JSON.stringify(definition('urgent'), null, 2));
    await page.getByText('definition.outcome.priority').waitFor();
    expect(await page.getByRole('button', { name: 'Create' }).isDisabled()).toBe(true);
    await page.getByLabel('Definition (JSON)').fill(JSON.stringify(definition('normal'), null, 2));
    await page.getByText('Valid: a save would be accepted.').waitFor();
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'Edit shipping (revision 1)' }).waitFor();
    expect(await page.locator('tr[data-rule="shipping"]').textContent()).toContain('Shipping updates');

    // Dry run against a pasted event: the rule decides, and says where the push goes.
    await page.getByLabel('Event (JSON)').fill(JSON.stringify(shipped('dry-1'), null, 2));
    await page.getByRole('button', { name: 'Dry run', exact: true }).click();
    const result = page.getByTestId('dry-run-result');
    await result.getByText('Shipping updates (shipping)').waitFor();
    expect(await result.textContent()).toContain('on push.transactional');
    expect(await result.getByRole('table', { name: 'Dry run per recipient' }).textContent()).toContain('user-7');
    await tab.screenshot('console-rules');

    // A real event: counted against the rule, and offered for dry runs.
    const sent = await fetch(`${session.router.base}/v1/events`, { method: 'POST', headers: producerHeaders, body: JSON.stringify(shipped('real-1')) });
    expect(sent.status).toBe(202);
    await waitFor('the hit on the rules page', async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      return (await page.getByTestId('hits-shipping').textContent()) === '1';
    }, { timeoutMs: 30_000, intervalMs: 500 });
    const metrics = await (await fetch(`${session.router.base}/metrics`)).text();
    expect(metrics).toMatch(/notify_rule_hits_total\{rule="shipping",outcome="deliver"[^}]*\} 1/);
    await page.getByLabel('Or one of the last events of type').fill('order.shipped');
    await page.getByRole('button', { name: 'Load recent events' }).click();
    expect(await page.getByLabel('Recent event').textContent()).toContain('real-1');
    await page.getByLabel('Recent event').selectOption('0');
    expect(await page.getByLabel('Event (JSON)').inputValue()).toContain('"id": "real-1"');

    // Edit: the diff shows the change before it is saved.
    await page.getByLabel('Definition (JSON)').fill(JSON.stringify(definition('critical'), null, 2));
    await page.getByText('"priority": "critical"').first().waitFor();
    const diff = await page.getByTestId('diff').textContent();
    expect(diff).toContain('-       "priority": "normal"');
    expect(diff).toContain('+       "priority": "critical"');
    await tab.screenshot('console-rules-diff');
    await page.getByRole('button', { name: 'Save (expects revision 1)' }).click();
    await page.getByRole('heading', { name: 'Edit shipping (revision 2)' }).waitFor();

    // Someone else saves meanwhile: this save is refused with a clear message, nothing is overwritten.
    const bobs = await fetch(`${session.router.base}/v1/admin/rules/shipping`, { method: 'PATCH', headers: { ...adminHeaders, authorization: 'Bearer admin-secret-bob-0123456789' }, body: JSON.stringify({ name: 'Bob’s name', expectedRevision: 2 }) });
    expect(bobs.status).toBe(200);
    tab.expectError(/409/);
    await page.getByLabel('Name', { exact: true }).fill('Alice’s name');
    await page.getByText('Valid: a save would be accepted.').waitFor();
    await page.getByRole('button', { name: 'Save (expects revision 2)' }).click();
    const alert = page.getByRole('alert');
    await alert.getByText('someone changed this rule since you opened it').waitFor();
    expect(await alert.textContent()).toContain('revision 2');
    await tab.screenshot('console-rules-conflict');
    await page.getByRole('button', { name: /Load the latest revision/ }).click();
    await page.getByRole('heading', { name: 'Edit shipping (revision 3)' }).waitFor();
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Bob’s name');

    // History says who did what; roll back to the first revision.
    const history = page.getByRole('table', { name: 'History' });
    expect(await history.textContent()).toMatch(/3updatedops-bob/);
    await page.getByRole('button', { name: 'Roll back to revision 1' }).click();
    await page.getByRole('heading', { name: 'Edit shipping (revision 4)' }).waitFor();
    expect(await page.getByRole('table', { name: 'History' }).textContent()).toMatch(/4rolled backops-alice/);
    const rule = (await (await fetch(`${session.router.base}/v1/admin/rules/shipping`, { headers: adminHeaders })).json()) as { name: string; definition: unknown; updatedBy: string };
    expect(rule).toMatchObject({ name: 'Shipping updates', definition: definition('normal'), updatedBy: 'ops-alice' });
  });

  it('reads on a phone', async () => {
    const tab = await session.open(PHONE);
    await tab.signIn();
    await tab.page.getByRole('table', { name: 'Rules' }).waitFor();
    // Nothing wider than the screen but the tables, which scroll in their own box.
    expect(await tab.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await tab.screenshot('console-rules-phone');
  });
});
