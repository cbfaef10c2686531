import { describe, expect, it } from 'vitest';
import { consoleSession, PHONE } from './browser-harness';

const session = consoleSession('console-shell');

describe('the console shell', () => {
  it('refuses an unknown token, signs a person in with their ADMIN_TOKENS entry and keeps them signed in for the tab', async () => {
    const tab = await session.open();
    const page = tab.page;
    await tab.screenshot('console-sign-in');
    tab.expectError(/401/);
    await page.getByLabel('Admin token').fill('ops-alice:not-the-secret-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('unknown token').waitFor();
    await tab.signIn();
    expect(await page.getByTestId('who').textContent()).toBe('ops-alice');
    await page.reload();
    await page.getByTestId('who').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin token').waitFor();
  });

  it('navigates with the keyboard alone', async () => {
    const tab = await session.open();
    const page = tab.page;
    await page.getByLabel('Admin token').focus();
    await page.keyboard.type('ops-alice:admin-secret-0123456789abcd');
    await page.keyboard.press('Enter');
    await page.getByTestId('who').waitFor();
    for (const label of ['Lanes', 'Dead letters', 'Trail', 'Rules']) {
      await page.getByRole('link', { name: label }).focus();
      await page.keyboard.press('Enter');
      await page.waitForFunction((name) => document.querySelector('a[aria-current="page"]')?.textContent === name, label);
    }
    expect(await page.getByRole('heading', { level: 1 }).first().textContent()).toBe('Rules');
  });

  it('fits a phone screen', async () => {
    const tab = await session.open(PHONE);
    await tab.signIn();
    expect(await tab.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    expect(await tab.page.getByRole('navigation', { name: 'Pages' }).isVisible()).toBe(true);
  });
});
