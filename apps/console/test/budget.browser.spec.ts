import { describe, expect, it } from 'vitest';
import { waitFor } from '@notify/testing';
import { consoleSession, adminHeaders, producerHeaders } from './browser-harness';

const session = consoleSession('console-budget');

const promo = (id: string) => ({ version: 1, id, type: 'promo.offer', to: { userId: 'mia' }, payload: { title: `Offer ${id}` }, createdAt: new Date().toISOString() });

describe('the rule editor’s daily budget', () => {
  it('sets a budget as fields, saves what the router accepts, and the user view shows what was spent and shed', async () => {
    const tab = await session.open();
    const page = tab.page;
    await tab.signIn();
    await page.getByRole('button', { name: 'New rule' }).click();
    await page.getByLabel('Rule id').fill('promos');
    await page.getByLabel('Name', { exact: true }).fill('Promotions');
    const definition = { match: { types: ['promo.*'] }, outcome: { priority: 'marketing', channels: { mode: 'push_only' } } };
    await page.getByLabel('Definition (JSON)').fill(JSON.stringify(definition, null, 2));
    await page.getByText('Valid: a save would be accepted.').waitFor();

    await page.getByLabel('Limit pushes per user and day').check();
    expect(await page.getByLabel('Definition (JSON)').inputValue()).toContain('"budget"');
    // A category the router refuses is named before anything is saved.
    await page.getByLabel('Budget category').fill('promo tions');
    await page.getByText('definition.outcome.budget.category').waitFor();
    await page.getByLabel('Budget category').fill('promotions');
    await page.getByLabel('Pushes per day').fill('1');
    await page.getByText('Valid: a save would be accepted.').waitFor();
    await tab.screenshot('console-rules-budget');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'Edit promos (revision 1)' }).waitFor();
    const saved = (await (await fetch(`${session.router.base}/v1/admin/rules/promos`, { headers: adminHeaders })).json()) as { definition: { outcome: Record<string, unknown> } };
    expect(saved.definition.outcome).toEqual({ ...definition.outcome, budget: { category: 'promotions', pushesPerDay: 1, shedTo: 'inbox' } });

    // Two offers on a budget of one: one pushed, one shed; the user view says so, with today's spend.
    await waitFor('the router to load the rule', async () => ((await (await fetch(`${session.router.base}/v1/admin/rules`, { headers: adminHeaders })).json()) as { loaded: { version: string } }).loaded.version.includes('promos@1'), { timeoutMs: 30_000 });
    const sent = await fetch(`${session.router.base}/v1/events`, { method: 'POST', headers: producerHeaders, body: JSON.stringify({ events: [promo('offer-1'), promo('offer-2')] }) });
    expect(sent.status).toBe(202);
    await tab.go('Trail');
    await waitFor('both on the trail', async () => {
      await page.getByRole('textbox', { name: 'User id' }).fill('mia');
      await page.getByRole('button', { name: 'Find user' }).click();
      return (await page.getByTestId('trail-user').locator('tbody tr').count()) === 2;
    }, { timeoutMs: 30_000, intervalMs: 500 });
    const user = page.getByTestId('trail-user');
    expect(await user.locator('tbody tr', { hasText: 'offer-2:mia' }).locator('.badge').textContent()).toBe('shed_budget');
    await user.getByTestId('budget-spend').getByText('promotions: 1 push').waitFor();
    await tab.screenshot('console-trail-budget');
  });
});
