import { describe, expect, it } from 'vitest';
import type { PresenceState } from '@notify/contracts';
import { PresenceTable } from './presence-table';
import { StatePublisher } from './state-publisher';

describe('StatePublisher', () => {
  it('writes the current state of the users asked for, and nothing when none are', async () => {
    const table = new PresenceTable();
    table.connect({ version: 1, kind: 'socket_connected', userId: 'alice', socketId: 's1', gatewayId: 'gw-1', at: '2026-11-25T10:00:00.000Z' }, 1);
    const sends: PresenceState[][] = [];
    const publisher = new StatePublisher(table, async (states) => void sends.push(states));
    expect(await publisher.publish([])).toBe(0);
    expect(await publisher.publish(['alice', 'alice', 'bob'])).toBe(2);
    expect(sends).toEqual([[table.stateOf('alice'), table.stateOf('bob')]]);
  });

  it('keeps users whose write failed and writes them with the next publish, since a retried event changes nothing', async () => {
    const table = new PresenceTable();
    const sends: string[][] = [];
    let fail = true;
    const publisher = new StatePublisher(table, async (states) => {
      if (fail) throw new Error('broker unreachable');
      sends.push(states.map((s) => s.userId));
    });
    await expect(publisher.publish(['alice'])).rejects.toThrow('broker unreachable');
    expect(publisher.pendingCount).toBe(1);
    fail = false;
    await publisher.publish([]);
    expect(sends).toEqual([['alice']]);
    expect(publisher.pendingCount).toBe(0);
  });

  it('does not clear a user that a later, failed write still owes', async () => {
    const table = new PresenceTable();
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    let call = 0;
    const publisher = new StatePublisher(table, async () => {
      call++;
      if (call === 1) return slow;
      throw new Error('broker unreachable');
    });
    const first = publisher.publish(['alice']);
    await expect(publisher.publish(['alice'])).rejects.toThrow();
    release();
    await first;
    expect(publisher.pendingCount).toBe(1);
  });
});
