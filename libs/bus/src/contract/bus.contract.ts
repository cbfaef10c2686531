import { afterEach, describe, expect, it } from 'vitest';
import { decode, topics, type DeadLetter } from '@notify/contracts';
import { NonRetriableError, TransientError } from '../errors';
import { followState } from '../state-view';
import type { Bus, BusMessage, Subscription } from '../types';
import { contractMessages, contractTopic, type ContractMessage } from './contract-topic';

/** A consumer that processes `hangAfter` messages, then hangs mid-message until it is killed. */
export interface KillableConsumer {
  processedIds(): string[];
  kill(): Promise<void>;
}

/** One isolated set of topics: every bus from one world sees the same topics, and no other test's. */
export interface BusWorld {
  bus(): Promise<Bus>;
  startKillableConsumer(groupId: string, hangAfter: number): Promise<KillableConsumer>;
  close(): Promise<void>;
}

export interface BusHarness {
  newWorld(): Promise<BusWorld>;
  /** Time a dead consumer's partitions take to move (Kafka: the session timeout). */
  failoverTimeoutMs: number;
}

const fastRetry = { initialDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 };

async function until(what: string, probe: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function byKey(messages: ContractMessage[]): Map<string, number[]> {
  const seqs = new Map<string, number[]>();
  for (const m of messages) seqs.set(m.key, [...(seqs.get(m.key) ?? []), m.seq]);
  return seqs;
}

export function describeBusContract(name: string, harness: BusHarness): void {
  describe(`bus contract: ${name}`, () => {
    let world: BusWorld;
    const subscriptions: Subscription[] = [];
    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((s) => s.stop()));
      await world?.close();
    });
    const subscribe = async (bus: Bus, groupId: string, handler: (m: BusMessage<ContractMessage>) => Promise<void>, partitionsConcurrently = 8) => {
      const s = await bus.subscribe(contractTopic, { groupId, partitionsConcurrently, retry: fastRetry }, handler);
      subscriptions.push(s);
      return s;
    };

    it('keeps per-key order across 8 partitions with two consumers in a group', async () => {
      world = await harness.newWorld();
      const producer = await world.bus();
      const received: ContractMessage[] = [];
      const record = async (m: BusMessage<ContractMessage>) => {
        received.push(m.value);
      };
      await subscribe(await world.bus(), 'order', record);
      await subscribe(await world.bus(), 'order', record);
      // Subscribed before publishing: a group that joins later may find read records dropped (in-process) or expired.
      const partitionProbe: BusMessage<ContractMessage>[] = [];
      await subscribe(await world.bus(), 'probe', async (m) => {
        partitionProbe.push(m);
      });
      const messages = contractMessages(800, 16);
      for (let i = 0; i < messages.length; i += 100) await producer.publish(contractTopic, messages.slice(i, i + 100).map((value) => ({ value })));
      await until('all 800 messages', () => new Set(received.map((m) => m.id)).size === 800, 30_000);
      const partitionsSeen = new Set<number>();
      for (const [key, seqs] of byKey(received)) {
        expect(seqs, key).toEqual([...seqs].sort((a, b) => a - b));
        expect(new Set(seqs).size, key).toBe(50);
      }
      expect(byKey(received).size).toBe(16);
      // 16 keys really were spread over several partitions.
      await until('probe group to read everything', () => partitionProbe.length >= 800, 30_000);
      for (const m of partitionProbe) partitionsSeen.add(m.partition);
      expect(partitionsSeen.size).toBeGreaterThan(4);
    });

    it('with keysConcurrently, overlaps keys of one partition but never two messages of a key, and commits all', async () => {
      world = await harness.newWorld();
      const bus = await world.bus();
      const messages = contractMessages(240, 24, 'kc');
      await bus.publish(contractTopic, messages.map((value) => ({ value })));
      const received: ContractMessage[] = [];
      const running = new Set<string>();
      let sameKeyOverlap = false;
      let mostAtOnce = 0;
      const handle = async (m: BusMessage<ContractMessage>) => {
        if (running.has(m.value.key)) sameKeyOverlap = true;
        running.add(m.value.key);
        mostAtOnce = Math.max(mostAtOnce, running.size);
        await new Promise((r) => setTimeout(r, 5));
        running.delete(m.value.key);
        received.push(m.value);
      };
      // One partition at a time: any overlap comes from keys within a partition.
      const first = await bus.subscribe(contractTopic, { groupId: 'keyed', partitionsConcurrently: 1, keysConcurrently: 16, retry: fastRetry }, handle);
      await until('all 240', () => received.length >= 240, 30_000);
      expect(sameKeyOverlap).toBe(false);
      expect(mostAtOnce).toBeGreaterThan(1);
      for (const [key, seqs] of byKey(received)) expect(seqs, key).toEqual(Array.from({ length: 10 }, (_, i) => i));
      // Every position was committed: a new member of the group finds nothing left to read.
      await first.stop();
      const after: string[] = [];
      await subscribe(await world.bus(), 'keyed', async (m) => void after.push(m.value.id));
      await bus.publish(contractTopic, [{ value: { version: 1, id: 'kc-last', key: 'k0', seq: 99 } }]);
      await until('the one new message', () => after.includes('kc-last'), 30_000);
      expect(after).toEqual(['kc-last']);
    });

    it('batch subscription: hands over slices of one partition in order, at most maxBatchSize, and commits after each', async () => {
      world = await harness.newWorld();
      const bus = await world.bus();
      await bus.publish(contractTopic, contractMessages(400, 16, 'b').map((value) => ({ value })));
      const received: ContractMessage[] = [];
      const sizes: number[] = [];
      let mixedPartitions = false;
      const first = await bus.subscribeBatch(contractTopic, { groupId: 'batched', partitionsConcurrently: 4, maxBatchSize: 7, retry: fastRetry }, async (batch) => {
        sizes.push(batch.length);
        if (new Set(batch.map((m) => m.partition)).size !== 1) mixedPartitions = true;
        received.push(...batch.map((m) => m.value));
      });
      await until('all 400 in batches', () => received.length >= 400, 30_000);
      expect(mixedPartitions).toBe(false);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(7);
      expect(Math.max(...sizes)).toBeGreaterThan(1);
      for (const [key, seqs] of byKey(received)) expect(seqs, key).toEqual(Array.from({ length: 25 }, (_, i) => i));
      // Every slice was committed: a new member of the group finds only what comes next.
      await first.stop();
      const after: string[] = [];
      subscriptions.push(await bus.subscribeBatch(contractTopic, { groupId: 'batched', retry: fastRetry }, async (batch) => void after.push(...batch.map((m) => m.value.id))));
      await bus.publish(contractTopic, [{ value: { version: 1, id: 'b-last', key: 'k0', seq: 99 } }]);
      await until('the one new message', () => after.includes('b-last'), 30_000);
      expect(after).toEqual(['b-last']);
    });

    it('batch subscription: retries a slice on a transient error, and isolates a message that cannot be processed', async () => {
      world = await harness.newWorld();
      const bus = await world.bus();
      const processed: string[] = [];
      const dead: DeadLetter[] = [];
      let outages = 2;
      subscriptions.push(
        await bus.subscribeBatch(contractTopic, { groupId: 'batch-errors', retry: fastRetry }, async (batch) => {
          if (batch.some((m) => m.value.id === 'e-0') && outages-- > 0) throw new TransientError('database down');
          if (batch.some((m) => m.value.id === 'e-2')) throw new NonRetriableError('unknown_type', 'e-2 cannot be routed');
          processed.push(...batch.map((m) => m.value.id));
        }),
        await bus.subscribe(topics.notifyDlq, { groupId: 'batch-dlq' }, async (m) => void dead.push(m.value)),
      );
      await bus.publish(contractTopic, contractMessages(5, 1, 'e').map((value) => ({ value })));
      await bus.publishRaw(contractTopic, [{ key: 'k0', value: 'not json' }]);
      await bus.publish(contractTopic, [{ value: { version: 1, id: 'e-5', key: 'k0', seq: 5 } }]);
      await until('5 processed and 2 dead letters', () => processed.length >= 5 && dead.length >= 2, 20_000);
      expect(outages).toBeLessThan(0);
      expect(processed).toEqual(['e-0', 'e-1', 'e-3', 'e-4', 'e-5']);
      expect(dead.map((d) => d.reason).sort()).toEqual(['malformed_json', 'unknown_type']);
      expect(dead.find((d) => d.reason === 'unknown_type')!.message).toBe('e-2 cannot be routed');
    });

    it('state view: caughtUp resolves once everything the topic held before following began is applied', async () => {
      world = await harness.newWorld();
      const bus = await world.bus();
      const empty = await followState(bus, contractTopic, { groupId: 'empty-view' }, () => {});
      subscriptions.push(empty.subscription);
      await empty.caughtUp; // nothing to read: at once
      await bus.publish(contractTopic, contractMessages(120, 12, 'v').map((value) => ({ value })));
      const latest = new Map<string, number>();
      const view = await followState(bus, contractTopic, { groupId: 'view' }, (value) => void latest.set(value.key, value.seq));
      subscriptions.push(view.subscription);
      await view.caughtUp;
      expect(latest.size).toBe(12);
      expect([...latest.values()].every((seq) => seq === 9)).toBe(true);
      // And it keeps following.
      await bus.publish(contractTopic, [{ value: { version: 1, id: 'v-new', key: 'k0', seq: 10 } }]);
      await until('the new value', () => latest.get('k0') === 10, 20_000);
    });

    it('state view: a record set aside does not hold caughtUp back, and catchUp() waits for what the topic holds now', async () => {
      world = await harness.newWorld();
      const bus = await world.bus();
      await bus.publish(contractTopic, [{ value: { version: 1, id: 'good', key: 'k0', seq: 1 } }]);
      // The last record of its partition does not decode: it goes to the dead-letter topic, never to `apply`.
      await bus.publishRaw(contractTopic, [{ key: 'k0', value: 'not json' }]);
      const latest = new Map<string, number>();
      const view = await followState(bus, contractTopic, { groupId: 'view-with-bad-record' }, (value) => void latest.set(value.key, value.seq));
      subscriptions.push(view.subscription);
      await Promise.race([view.caughtUp, new Promise((_, reject) => setTimeout(() => reject(new Error('caughtUp waits for a record it will never apply')), 15_000))]);
      expect(latest.get('k0')).toBe(1);

      await bus.publish(contractTopic, contractMessages(40, 8, 'later').map((value) => ({ value: { ...value, seq: value.seq + 100 } })));
      await view.catchUp();
      expect([...latest.values()].every((seq) => seq === 104)).toBe(true);
    });

    it('delivers each message once per group, to every group', async () => {
      world = await harness.newWorld();
      const counts = { a: new Map<string, number>(), b: new Map<string, number>() };
      const counter = (group: 'a' | 'b') => async (m: BusMessage<ContractMessage>) => {
        counts[group].set(m.value.id, (counts[group].get(m.value.id) ?? 0) + 1);
      };
      await subscribe(await world.bus(), 'group-a', counter('a'));
      await subscribe(await world.bus(), 'group-a', counter('a'));
      await subscribe(await world.bus(), 'group-b', counter('b'));
      await (await world.bus()).publish(contractTopic, contractMessages(300, 30).map((value) => ({ value })));
      await until('both groups to see 300', () => counts.a.size === 300 && counts.b.size === 300, 30_000);
      await new Promise((r) => setTimeout(r, 300)); // room for a duplicate to show up
      expect([...counts.a.values()].every((n) => n === 1)).toBe(true);
      expect([...counts.b.values()].every((n) => n === 1)).toBe(true);
    });

    it('tells each member which partitions it holds: split between two, none once stopped, all to the one left', async () => {
      world = await harness.newWorld();
      const all = JSON.stringify(Array.from({ length: contractTopic.partitions }, (_, i) => i));
      const first = await subscribe(await world.bus(), 'holders', async () => {});
      await until('the first member to hold every partition', () => JSON.stringify(first.assignedPartitions()) === all, 30_000);
      const second = await subscribe(await world.bus(), 'holders', async () => {});
      const both = () => JSON.stringify([...first.assignedPartitions(), ...second.assignedPartitions()].sort((a, b) => a - b));
      await until('each partition to be held by one of the two', () => first.assignedPartitions().length > 0 && second.assignedPartitions().length > 0 && both() === all, 30_000);
      await second.stop();
      expect(second.assignedPartitions()).toEqual([]);
      await until('the one left to hold every partition', () => JSON.stringify(first.assignedPartitions()) === all, 30_000);
    });

    it('says when a member last heard its topic: again and again while it reaches it, even with nothing to read', async () => {
      world = await harness.newWorld();
      const member = await subscribe(await world.bus(), 'hearing', async () => {});
      await until('the member to hear its topic', () => member.lastHeardAt() !== null, 30_000);
      const first = member.lastHeardAt()!;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const later = member.lastHeardAt()!;
      expect(later).toBeGreaterThan(first);
      expect(Date.now() - later).toBeLessThan(1500);
    });

    it('says each time the group hands a member its partitions, before the member handles any of them', async () => {
      world = await harness.newWorld();
      const calls: Array<{ member: string; partitions: readonly number[] }> = [];
      const early: string[] = [];
      const member = async (name: string) => {
        let assigned = false;
        const onAssigned = (partitions: readonly number[]) => {
          assigned = true;
          calls.push({ member: name, partitions });
        };
        const s = await (await world.bus()).subscribe(contractTopic, { groupId: 'assigned', partitionsConcurrently: 8, onAssigned }, async () => {
          if (!assigned) early.push(name);
        });
        subscriptions.push(s);
        return s;
      };
      await member('first');
      await until('the first to be handed every partition', () => calls.some((c) => c.member === 'first' && c.partitions.length === contractTopic.partitions), 30_000);
      const firstCalls = calls.length;
      await member('second');
      await until('both to be handed a share', () => calls.slice(firstCalls).some((c) => c.member === 'first' && c.partitions.length > 0 && c.partitions.length < contractTopic.partitions) && calls.some((c) => c.member === 'second' && c.partitions.length > 0), 30_000);
      await (await world.bus()).publish(contractTopic, contractMessages(16, 16).map((value) => ({ value })));
      await new Promise((r) => setTimeout(r, 500));
      expect(early).toEqual([]);
    });

    it('keeps subscriptions that share a group id on different topics independent', async () => {
      world = await harness.newWorld();
      const bus = await world.bus();
      const fromContract: string[] = [];
      const fromDlq: string[] = [];
      await subscribe(bus, 'shared-group', async (m) => void fromContract.push(m.value.id));
      subscriptions.push(await bus.subscribe(topics.notifyDlq, { groupId: 'shared-group' }, async (m) => void fromDlq.push(m.value.reason)));
      await bus.publish(contractTopic, contractMessages(40, 8, 's').map((value) => ({ value })));
      await bus.publishRaw(contractTopic, [{ key: 'k0', value: 'not json' }]);
      await until('both topics consumed', () => fromContract.length === 40 && fromDlq.length === 1, 20_000);
      expect(fromDlq).toEqual(['malformed_json']);
    });

    it('redelivers to a handler that throws, without letting later messages of the key overtake', async () => {
      world = await harness.newWorld();
      const bus = await world.bus();
      const attempts = new Map<string, number>();
      const processed: string[] = [];
      await subscribe(bus, 'retry', async (m) => {
        attempts.set(m.value.id, m.attempt);
        if (m.value.id === 'r-0' && m.attempt < 3) throw new Error('database hiccup');
        processed.push(m.value.id);
      });
      await bus.publish(contractTopic, contractMessages(3, 1, 'r').map((value) => ({ value })));
      await until('three processed', () => processed.length === 3, 15_000);
      expect(processed).toEqual(['r-0', 'r-1', 'r-2']);
      expect(attempts.get('r-0')).toBe(3);
      expect(attempts.get('r-1')).toBe(1);
    });

    it('dead-letters bad bytes, non-retriable errors and exhausted retries with the reason and the original bytes, and moves on', async () => {
      world = await harness.newWorld();
      const bus = await world.bus();
      const processed: string[] = [];
      const dead: DeadLetter[] = [];
      await subscribe(bus, 'dlq-source', async (m) => {
        if (m.value.id === 'd-1') throw new NonRetriableError('unknown_type', 'no rule for type x');
        if (m.value.id === 'd-2') throw new Error('always broken');
        processed.push(m.value.id);
      });
      subscriptions.push(
        await bus.subscribe(topics.notifyDlq, { groupId: 'dlq-reader' }, async (m) => {
          dead.push(m.value);
        }),
      );
      const [first, second, third, fourth] = contractMessages(4, 1, 'd');
      await bus.publish(contractTopic, [{ value: first! }]);
      await bus.publishRaw(contractTopic, [{ key: 'k0', value: '{"version":1,' }]);
      await bus.publishRaw(contractTopic, [{ key: 'k0', value: JSON.stringify({ version: 7, id: 'x', key: 'k0', seq: 0 }) }]);
      await bus.publish(contractTopic, [second!, third!, fourth!].map((value) => ({ value })));
      await until('4 dead letters and 2 processed', () => dead.length >= 4 && processed.length >= 2, 20_000);
      expect(processed).toEqual(['d-0', 'd-3']);
      const reasons = dead.map((d) => d.reason);
      expect(reasons).toEqual(['malformed_json', 'unknown_version', 'unknown_type', 'handler_failed']);
      expect(Buffer.from(dead[0]!.originalBase64, 'base64').toString()).toBe('{"version":1,');
      expect(dead[2]!.message).toBe('no rule for type x');
      expect(dead[3]).toMatchObject({ attempts: 3, source: { topic: 'bus.contract', key: 'k0', groupId: 'dlq-source' } });
      const replay = decode(contractTopic, Buffer.from(dead[3]!.originalBase64, 'base64'));
      expect(replay).toMatchObject({ ok: true, value: { id: 'd-2' } });
    });

    it('reports each group of a topic with its members and committed positions: lag rises while its consumer is stopped and falls after', async () => {
      world = await harness.newWorld();
      const bus = await world.bus();
      const lagOf = async (groupId: string) => {
        const { ends, groups } = await bus.positions(contractTopic);
        const group = groups.find((g) => g.groupId === groupId);
        if (!group) return null;
        return { members: group.members, lag: ends.reduce((sum, end, p) => sum + Math.max(0, end - (group.committed[p] ?? 0)), 0) };
      };
      const seen = new Set<string>();
      const first = await subscribe(bus, 'positions', async (m) => void seen.add(m.value.id));
      await bus.publish(contractTopic, contractMessages(40, 8, 'p1').map((value) => ({ value })));
      await until('the first 40', () => seen.size === 40, 30_000);
      await eventually('the group to have committed all 40', async () => (await lagOf('positions'))?.lag === 0);
      expect((await lagOf('positions'))?.members).toBe(1);
      await first.stop();
      subscriptions.splice(subscriptions.indexOf(first), 1);
      await bus.publish(contractTopic, contractMessages(30, 8, 'p2').map((value) => ({ value })));
      // Nobody reads for the group now: the 30 wait, and the group has no member.
      expect(await lagOf('positions')).toEqual({ members: 0, lag: 30 });
      await subscribe(await world.bus(), 'positions', async (m) => void seen.add(m.value.id));
      await eventually('the lag to fall back to 0', async () => (await lagOf('positions'))?.lag === 0);
      expect(seen.size).toBe(70);
      // Ends count what was written, even once every group has read it.
      expect((await bus.positions(contractTopic)).ends.reduce((a, b) => a + b, 0)).toBe(70);
      expect(await lagOf('no-such-group')).toBeNull();
    });

    it('commits on graceful stop: the next consumer of the group starts after what was processed', async () => {
      world = await harness.newWorld();
      const bus = await world.bus();
      await bus.publish(contractTopic, contractMessages(100, 1, 'g').map((value) => ({ value })));
      const first: string[] = [];
      const firstSub = await bus.subscribe(contractTopic, { groupId: 'graceful', retry: fastRetry }, async (m) => {
        first.push(m.value.id);
        await new Promise((r) => setTimeout(r, 2));
      });
      await until('40 processed', () => first.length >= 40, 15_000);
      await firstSub.stop();
      const second: string[] = [];
      await subscribe(await world.bus(), 'graceful', async (m) => {
        second.push(m.value.id);
      });
      await until('the rest', () => first.length + second.length >= 100, 15_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(second.filter((id) => first.includes(id))).toEqual([]);
      expect(new Set([...first, ...second]).size).toBe(100);
    });

    it(
      'commits what was processed even when no further message comes: a consumer killed after a quiet second is not redelivered',
      async () => {
        world = await harness.newWorld();
        const bus = await world.bus();
        await bus.publish(contractTopic, contractMessages(30, 6, 'q').map((value) => ({ value })));
        // It processes all 30, then the topic stays quiet.
        const quiet = await world.startKillableConsumer('quiet', 30);
        await until('all 30 processed', () => quiet.processedIds().length >= 30, 30_000);
        await new Promise((r) => setTimeout(r, 1500));
        await quiet.kill();
        const afterRestart: string[] = [];
        await subscribe(await world.bus(), 'quiet', async (m) => void afterRestart.push(m.value.id));
        await bus.publish(contractTopic, [{ value: { version: 1, id: 'q-marker', key: 'k0', seq: 99 } }]);
        await until('the marker', () => afterRestart.includes('q-marker'), harness.failoverTimeoutMs + 30_000);
        expect(afterRestart).toEqual(['q-marker']);
      },
      harnessTimeout(harness),
    );

    it(
      'loses nothing when a consumer is killed mid-batch, and keeps per-key order after restart',
      async () => {
        world = await harness.newWorld();
        const bus = await world.bus();
        const messages = contractMessages(400, 8, 'x');
        await bus.publish(contractTopic, messages.map((value) => ({ value })));
        const doomed = await world.startKillableConsumer('killed', 120);
        await until('the doomed consumer to process 120', () => doomed.processedIds().length >= 120, 30_000);
        await doomed.kill();
        const afterRestart: ContractMessage[] = [];
        await subscribe(await world.bus(), 'killed', async (m) => {
          afterRestart.push(m.value);
        });
        const seen = () => new Set([...doomed.processedIds(), ...afterRestart.map((m) => m.id)]);
        await until('every message after the restart', () => seen().size === 400, harness.failoverTimeoutMs + 30_000);
        for (const [key, seqs] of byKey(afterRestart)) expect(seqs, key).toEqual([...seqs].sort((a, b) => a - b));
        // What the killed consumer had not committed is delivered again: at-least-once, never at-most-once.
        expect(afterRestart.length).toBeGreaterThanOrEqual(400 - doomed.processedIds().length);
      },
      harnessTimeout(harness),
    );
  });
}

function harnessTimeout(harness: BusHarness): number {
  return harness.failoverTimeoutMs + 60_000;
}
