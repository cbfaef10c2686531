import { describe, expect, it } from 'vitest';
import type { Notification } from '@notify/contracts';
import type { BudgetTake, Preferences } from '@notify/store';
import { alwaysPasses, budgetRequest, inboxCopy, pushesPerDay, shedStatus, splitByBudget } from './decide-budget';
import { BudgetOverride, type BudgetPolicy } from './budget-policy';
import { localDay, nextLocalMidnight } from './local-day';
import { RuleOutcome } from '../rules/rule-definition';
import { applyOutcome } from '../rules/defaults';

const policy: BudgetPolicy = { category: 'promotions', pushesPerDay: 3 };
const prefs = (extra: Partial<Preferences> = {}): Preferences => ({ userId: 'alice', optOuts: [], timeZone: 'UTC', updatedAt: new Date(0), ...extra });
const notification = (id: string, priority: Notification['priority'] = 'marketing'): Notification => ({
  version: 1,
  notificationId: `${id}:alice`,
  eventId: id,
  userId: 'alice',
  type: 'promo.offer',
  priority,
  content: { title: id, data: {} },
  createdAt: '2026-12-02T10:00:00Z',
  fallback: { channel: 'push', afterMs: 30_000 },
});

describe('local day', () => {
  it('is the calendar day of the user’s time zone, UTC’s for a zone the runtime does not know', () => {
    const lateEvening = new Date('2026-12-02T23:30:00Z');
    expect(localDay(lateEvening, 'UTC')).toBe('2026-12-02');
    expect(localDay(lateEvening, 'Europe/Paris')).toBe('2026-12-03');
    expect(localDay(lateEvening, 'America/New_York')).toBe('2026-12-02');
    expect(localDay(new Date('2026-12-02T10:30:00Z'), 'Pacific/Kiritimati')).toBe('2026-12-03');
    expect(localDay(lateEvening, 'Mars/Olympus')).toBe('2026-12-02');
  });

  it('starts again at the user’s next midnight', () => {
    expect(nextLocalMidnight(new Date('2026-12-02T22:30:10Z'), 'Europe/Paris').toISOString()).toBe('2026-12-02T23:00:00.000Z');
    expect(nextLocalMidnight(new Date('2026-12-02T22:30:10Z'), 'UTC').toISOString()).toBe('2026-12-03T00:00:00.000Z');
    expect(nextLocalMidnight(new Date('2026-12-02T22:30:10Z'), 'America/New_York').toISOString()).toBe('2026-12-03T05:00:00.000Z');
  });
});

describe('budget decision', () => {
  it('lets critical and transactional pass (counted, no limit) and limits normal and marketing', () => {
    expect(['critical', 'transactional', 'normal', 'marketing'].map((p) => alwaysPasses(p as Notification['priority']))).toEqual([true, true, false, false]);
    const now = new Date('2026-12-02T23:30:00Z');
    expect(budgetRequest(notification('m1'), policy, prefs({ timeZone: 'Europe/Paris' }), now, false)).toMatchObject({ userId: 'alice', day: '2026-12-03', budget: 'promotions', channel: 'push', notificationId: 'm1:alice', limit: 3, mayHoldOne: false });
    expect(budgetRequest(notification('t1', 'transactional'), policy, null, now, true)).toMatchObject({ day: '2026-12-02', limit: null, mayHoldOne: true });
  });

  it('takes the user’s own number for the budget when they set one', () => {
    expect(pushesPerDay(policy, prefs({ budgets: [{ category: 'news', pushesPerDay: 9 }] }))).toBe(3);
    expect(pushesPerDay(policy, prefs({ budgets: [{ category: 'promotions', pushesPerDay: 1 }] }))).toBe(1);
    expect(pushesPerDay(policy, prefs({ budgets: [{ category: 'promotions', pushesPerDay: 0 }] }))).toBe(0);
  });

  it('sheds what was not counted: to the inbox, or to the budget’s digest at the user’s next midnight (after their quiet hours)', () => {
    const now = new Date('2026-12-02T15:00:00Z');
    const list = [notification('m1'), notification('m2')];
    const requests: BudgetTake[] = list.map((n) => budgetRequest(n, policy, null, now, false));
    const outcomes = [{ counted: true as const, position: 3, again: false }, { counted: false as const, spent: 3 }];
    const inbox = splitByBudget(list, requests, outcomes, policy, () => null, now);
    expect(inbox.pass).toEqual([{ notification: list[0], position: 3 }]);
    expect(inbox.shed).toHaveLength(1);
    expect(inbox.shed[0]!.sendAt).toBeUndefined();
    const quiet = prefs({ timeZone: 'Europe/Paris', quietHours: { start: '22:00', end: '07:30' } });
    const digest = splitByBudget(list, requests, outcomes, { ...policy, shedTo: 'digest' }, () => quiet, now);
    expect(digest.shed[0]!.sendAt!.toISOString()).toBe('2026-12-03T06:30:00.000Z');
    expect(splitByBudget(list, requests, outcomes, { ...policy, shedTo: 'digest' }, () => null, now).shed[0]!.sendAt!.toISOString()).toBe('2026-12-03T00:00:00.000Z');
  });

  it('says on the trail which budget, how much of it was spent and where the notification went', () => {
    const now = new Date('2026-12-02T15:00:00Z');
    const n = notification('m4');
    const status = shedStatus({ notification: n, request: budgetRequest(n, policy, null, now, false), spent: 3, timeZone: 'UTC' }, policy, 'promos', now);
    expect(status).toMatchObject({ status: 'shed_budget', channel: 'push', notificationId: 'm4:alice', detail: { budget: 'promotions', limit: 3, spent: 3, day: '2026-12-02', shedTo: 'inbox', ruleId: 'promos' } });
    expect(status.reason).toBe('budget "promotions" spent: 3 of 3 pushes on 2026-12-02 (UTC); kept in the inbox without a push');
    expect(inboxCopy(n).fallback).toBeUndefined();
  });
});

describe('budget in rules and preferences', () => {
  it('is a rule outcome that sends one by one, refused next to batching', () => {
    const outcome = RuleOutcome.parse({ priority: 'marketing', channels: { mode: 'push_only' }, budget: { category: 'promotions', pushesPerDay: 3, shedTo: 'digest' } });
    const effective = applyOutcome({}, outcome);
    expect(effective.budget).toEqual({ category: 'promotions', pushesPerDay: 3, shedTo: 'digest' });
    // Marketing is batched by default; a budget sends it one by one instead.
    expect(effective.batching).toBeUndefined();
    const batched = RuleOutcome.safeParse({ batching: { windowMs: 60_000, maxItems: 10, title: 't' }, budget: { category: 'promotions', pushesPerDay: 3 } });
    expect(batched.success).toBe(false);
    expect(RuleOutcome.safeParse({ budget: { category: 'bad name!', pushesPerDay: 3 } }).success).toBe(false);
    expect(RuleOutcome.safeParse({ budget: { category: 'promotions', pushesPerDay: -1 } }).success).toBe(false);
    expect(BudgetOverride.safeParse({ category: 'promotions', pushesPerDay: 0 }).success).toBe(true);
  });
});
