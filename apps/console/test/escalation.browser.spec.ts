import { describe, expect, it } from 'vitest';
import { consoleSession, adminHeaders } from './browser-harness';

const session = consoleSession('console-escalation');

describe('the rule editor’s escalation ladder', () => {
  it('adds a ladder to a rule as a form, writes it into the definition, and saves what the router accepts', async () => {
    const tab = await session.open();
    const page = tab.page;
    await tab.signIn();
    await page.getByRole('button', { name: 'New rule' }).click();
    await page.getByLabel('Rule id').fill('payment-alerts');
    await page.getByLabel('Name', { exact: true }).fill('Payment alerts');
    const definition = { match: { types: ['payment.*'] }, outcome: { priority: 'critical', channels: { mode: 'inapp_then_push', pushAfterMs: 30000 } } };
    await page.getByLabel('Definition (JSON)').fill(JSON.stringify(definition, null, 2));
    await page.getByText('Valid: a save would be accepted.').waitFor();

    // The suggested ladder: the push fallback gives way to it (in-app only), and the rule stays valid.
    await page.getByRole('button', { name: 'Add an escalation ladder' }).click();
    expect(await page.getByLabel('Definition (JSON)').inputValue()).toContain('"escalation"');
    expect(await page.getByLabel('Definition (JSON)').inputValue()).toContain('"mode": "inapp_only"');
    await page.getByText('Valid: a save would be accepted.').waitFor();

    // Steps out of order are named by the router's own checks, before anything is saved.
    await page.getByLabel('after (seconds)').first().fill('1200');
    await page.getByText('each step comes after the one before it').first().waitFor();
    expect(await page.getByRole('button', { name: 'Create' }).isDisabled()).toBe(true);
    await page.getByLabel('after (seconds)').first().fill('60');
    await page.getByLabel('unless').first().selectOption('delivered');
    await page.getByText('Valid: a save would be accepted.').waitFor();
    await tab.screenshot('console-rules-escalation');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'Edit payment-alerts (revision 1)' }).waitFor();

    const saved = (await (await fetch(`${session.router.base}/v1/admin/rules/payment-alerts`, { headers: adminHeaders })).json()) as { definition: { outcome: Record<string, unknown> } };
    expect(saved.definition.outcome).toEqual({
      priority: 'critical',
      channels: { mode: 'inapp_only' },
      escalation: {
        steps: [
          { afterMs: 60_000, unless: 'delivered', to: 'push' },
          { afterMs: 900_000, unless: 'read', to: 'webhook' },
        ],
      },
    });

    // Dropping the ladder leaves the rest of the rule as it was.
    await page.getByRole('button', { name: 'Remove the ladder' }).click();
    expect(await page.getByLabel('Definition (JSON)').inputValue()).not.toContain('"escalation"');
  });
});
