import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientNotification } from '@notify/contracts';
import { notification, startGateway, userToken, waitFor, type GatewayUnderTest } from './gateway-harness';

let gateway: GatewayUnderTest;
let alice: Record<string, string>;
beforeAll(async () => {
  gateway = await startGateway();
  alice = { authorization: `Bearer ${await userToken('inbox-alice')}` };
  const categories = ['chat', 'offers', 'chat', 'offers', 'chat'];
  await gateway.deliver(...categories.map((category, i) => notification('inbox-alice', { notificationId: `a${i + 1}`, category })));
  await waitFor('five stored', async () => (await gateway.running.deps.store.inbox.unreadCount('inbox-alice')) === 5);
});
afterAll(() => gateway.stop());

const get = async (path: string, headers = alice) => {
  const response = await fetch(`${gateway.url}${path}`, { headers });
  return { status: response.status, body: (await response.json()) as { items: ClientNotification[]; nextCursor?: number | null; cursor?: number; count?: number; error?: { code: string; message: string } } };
};
const post = async (path: string, headers = alice) => {
  const response = await fetch(`${gateway.url}${path}`, { method: 'POST', headers });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('inbox HTTP API', () => {
  it('pages newest first with a cursor', async () => {
    const first = await get('/v1/inbox?limit=2');
    expect(first.body.items.map((i) => i.notificationId)).toEqual(['a5', 'a4']);
    const second = await get(`/v1/inbox?limit=2&before=${first.body.nextCursor}`);
    expect(second.body.items.map((i) => i.notificationId)).toEqual(['a3', 'a2']);
    const last = await get(`/v1/inbox?limit=2&before=${second.body.nextCursor}`);
    expect(last.body).toMatchObject({ nextCursor: null });
    expect(last.body.items.map((i) => i.notificationId)).toEqual(['a1']);
  });

  it('filters by category and unread, and answers short polling with exactly what is new', async () => {
    expect((await get('/v1/inbox?category=offers')).body.items.map((i) => i.notificationId)).toEqual(['a4', 'a2']);
    const seqs = (await get('/v1/inbox?limit=5')).body.items.map((i) => i.seq).reverse();
    const polled = await get(`/v1/inbox?after=${seqs[2]}`);
    expect(polled.body).toMatchObject({ cursor: seqs[4] });
    expect(polled.body.items.map((i) => i.notificationId)).toEqual(['a4', 'a5']);
    expect((await get(`/v1/inbox?after=${seqs[4]}`)).body).toEqual({ items: [], cursor: seqs[4] });
  });

  it('reads one, archives one, marks all read, and counts unread', async () => {
    expect((await post('/v1/inbox/a1/read')).body).toMatchObject({ notificationId: 'a1', state: 'read' });
    expect((await post('/v1/inbox/a2/archive')).body).toMatchObject({ state: 'archived' });
    expect((await get('/v1/inbox/unread-count')).body).toEqual({ count: 3 });
    expect((await get('/v1/inbox?unread=true')).body.items.map((i) => i.notificationId)).toEqual(['a5', 'a4', 'a3']);
    expect((await get('/v1/inbox')).body.items).toHaveLength(4);
    expect((await get('/v1/inbox?archived=true')).body.items).toHaveLength(5);
    expect((await post('/v1/inbox/read-all')).body).toEqual({ updated: 3 });
    expect((await get('/v1/inbox/unread-count')).body).toEqual({ count: 0 });
    await waitFor('status events for every change', () => gateway.statuses.filter((s) => s.userId === 'inbox-alice' && s.status === 'read').length === 4);
  });

  it('keeps users apart and answers bad requests with 4xx and a message', async () => {
    const bob = { authorization: `Bearer ${await userToken('inbox-bob')}` };
    expect((await get('/v1/inbox/a3', bob)).status).toBe(404);
    expect((await post('/v1/inbox/a3/read', bob)).status).toBe(404);
    expect((await get('/v1/inbox', bob)).body.items).toEqual([]);
    expect((await get('/v1/inbox', {})).status).toBe(401);
    const bad = await get('/v1/inbox?limit=1000&unread=maybe');
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toMatch(/limit: .*100.*unread/);
    expect((await get('/v1/inbox?before=3&after=1')).body.error?.message).toContain('use either before or after, not both');
    expect((await post('/v1/inbox/a3/explode')).body).toMatchObject({ error: { code: 'NOTIFY_ERR_NOT_FOUND', message: 'no action "explode" (use delivered, seen, read, archive)' } });
  });
});
