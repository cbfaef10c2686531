import { describe, expect, it } from 'vitest';
import type { ClientNotification } from '@notify/contracts';
import { LocalInbox } from './local-inbox';

const n = (seq: number, title: string, extra: Partial<ClientNotification> = {}): ClientNotification => ({
  notificationId: `n${seq}`,
  seq,
  type: 'ride.eta',
  priority: 'transactional',
  content: { title, data: {} },
  createdAt: new Date(0).toISOString(),
  state: 'sent',
  ...extra,
});

describe('LocalInbox', () => {
  it('shows a replacement in place of what it replaced', () => {
    const view = new LocalInbox();
    view.add(n(1, 'Your driver is 5 minutes away', { collapseKey: 'ride:42' }));
    view.add(n(2, 'Payment received'));
    expect(view.add(n(3, 'Your driver is 3 minutes away', { collapseKey: 'ride:42', supersedes: 'n1' }))).toEqual(['n1']);
    expect(view.list().map((i) => i.content.title)).toEqual(['Payment received', 'Your driver is 3 minutes away']);
  });

  it('also drops an older unread item of the key it still shows after missing the updates in between, never a read one', () => {
    const view = new LocalInbox();
    view.add(n(1, 'read one', { collapseKey: 'k' }));
    view.setState('n1', 'read');
    view.add(n(2, '5 minutes', { collapseKey: 'k' }));
    // n3 (4 minutes) replaced n2 while this client was away; n4 names n3.
    expect(view.add(n(4, '3 minutes', { collapseKey: 'k', supersedes: 'n3' }))).toEqual(['n2']);
    expect(view.list().map((i) => [i.notificationId, i.state])).toEqual([
      ['n1', 'read'],
      ['n4', 'sent'],
    ]);
  });

  it('applies states forward only, and keeps the latest notifications within its bound', () => {
    const view = new LocalInbox(3);
    for (let seq = 1; seq <= 4; seq++) view.add(n(seq, `m${seq}`));
    expect(view.list().map((i) => i.seq)).toEqual([2, 3, 4]);
    view.setState('n2', 'read');
    view.setState('n2', 'delivered');
    view.readAll();
    expect(view.list().map((i) => i.state)).toEqual(['read', 'read', 'read']);
    expect(view.get('n1')).toBeUndefined();
  });
});
