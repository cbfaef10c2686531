import apn from '@parse/node-apn';
import { SignJWT } from 'jose';
import { createPrivateKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import http2 from 'node:http2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApnsEmulator } from './apns-emulator';
import { apnsReasons, type ApnsReason } from './apns-reasons';

const keyId = 'KEY1234567';
const teamId = 'TEAM123456';
const topic = 'com.example.notify';
const newP8 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const p8 = newP8();
const deviceToken = (n: number) => n.toString(16).padStart(64, 'a');

let apns: ApnsEmulator;
const providers: apn.Provider[] = [];

function provider(options: Partial<apn.ProviderOptions> = {}): apn.Provider {
  const created = new apn.Provider({
    token: { key: p8, keyId, teamId },
    address: apns.address,
    port: apns.port,
    ca: [apns.ca],
    production: false,
    ...options,
  });
  providers.push(created);
  return created;
}

function alert(fields: Partial<apn.Notification> = {}): apn.Notification {
  return Object.assign(new apn.Notification(), { topic, alert: { title: 'Payment received', body: '12.00 EUR from Bob' } }, fields);
}

beforeAll(async () => {
  apns = await new ApnsEmulator({ auth: { key: p8, keyId, teamId } }).start();
});

afterEach(() => apns.reset());

afterAll(async () => {
  await Promise.all(providers.map((p) => p.shutdown()));
  await apns.stop();
});

describe('APNs emulator with the real node-apn', () => {
  it('accepts a high-priority alert and records its headers and payload', async () => {
    const id = randomUUID();
    const expiry = Math.floor(Date.now() / 1000) + 3600;
    const result = await provider().send(
      alert({ id, priority: 10, pushType: 'alert', collapseId: 'payments', expiry, threadId: 'payments-bob', payload: { eventId: 'pay-7731' } }),
      deviceToken(1),
    );

    expect(result.failed).toEqual([]);
    expect(result.sent).toEqual([expect.objectContaining({ device: deviceToken(1), 'apns-id': id, 'apns-unique-id': expect.any(String) })]);
    const [request] = apns.received;
    expect(request).toMatchObject({
      method: 'POST',
      path: `/3/device/${deviceToken(1)}`,
      token: deviceToken(1),
      headers: { topic, priority: '10', pushType: 'alert', collapseId: 'payments', expiration: String(expiry), apnsId: id },
      payload: { aps: { alert: { title: 'Payment received', body: '12.00 EUR from Bob' }, 'thread-id': 'payments-bob' }, eventId: 'pay-7731' },
      keyId,
      teamId,
      status: 200,
      responseApnsId: id,
    });
  });

  it('accepts a low-priority background push and answers with a generated apns-id', async () => {
    const silent = Object.assign(new apn.Notification(), { topic, priority: 5, pushType: 'background', contentAvailable: true });
    const result = await provider({ production: true }).send(silent, deviceToken(2));

    expect(result.sent).toHaveLength(1);
    const [request] = apns.received;
    expect(request?.headers).toEqual({ topic, priority: '5', pushType: 'background' });
    expect(request?.payload).toEqual({ aps: { 'content-available': 1 } });
    expect(result.sent[0]).toMatchObject({ 'apns-id': request?.responseApnsId });
  });

  it('answers 410 Unregistered with a timestamp, and 400 BadDeviceToken, for switched tokens', async () => {
    const since = Date.now() - 60_000;
    apns.unregister(deviceToken(3), since).badToken(deviceToken(4));
    const result = await provider().send(alert(), [deviceToken(3), deviceToken(4), deviceToken(5), 'not-a-token']);

    expect(result.sent.map((s) => s.device)).toEqual([deviceToken(5)]);
    const byDevice = Object.fromEntries(result.failed.map((f) => [f.device, { status: f.status, response: f.response }]));
    expect(byDevice).toEqual({
      [deviceToken(3)]: { status: 410, response: { reason: 'Unregistered', timestamp: since } },
      [deviceToken(4)]: { status: 400, response: { reason: 'BadDeviceToken' } },
      'not-a-token': { status: 400, response: { reason: 'BadDeviceToken' } },
    });
  });

  it.each([
    ['MissingTopic', { topic: undefined }],
    ['BadPriority', { priority: 7 }],
    ['BadCollapseId', { collapseId: 'x'.repeat(65) }],
    ['InvalidPushType', { pushType: 'banner' }],
    ['BadMessageId', { id: 'not-a-uuid' }],
    ['PayloadTooLarge', { payload: { blob: 'x'.repeat(4100) } }],
  ] as [ApnsReason, Partial<apn.Notification>][])('refuses a notification with %s', async (reason, fields) => {
    const result = await provider().send(alert(fields as Partial<apn.Notification>), deviceToken(6));

    expect(result.failed).toEqual([expect.objectContaining({ device: deviceToken(6), status: apnsReasons[reason].status, response: { reason } })]);
  });

  it('surfaces every reason APNs answers without a retry as status and reason', async () => {
    const notRetried = (Object.keys(apnsReasons) as ApnsReason[]).filter((r) => ![403, 429, 500, 503].includes(apnsReasons[r].status) || (apnsReasons[r].status === 403 && r !== 'ExpiredProviderToken'));
    const sender = provider();
    for (const reason of notRetried) {
      apns.replyWith(reason);
      const { failed } = await sender.send(alert(), deviceToken(7));
      expect(failed[0], reason).toMatchObject({ status: apnsReasons[reason].status, response: { reason } });
    }
    expect(apns.received).toHaveLength(notRetried.length);
  });

  it('hands a 429 with retry-after back at once with the header (node-apn as patched), and retries one without it at once, three times', async () => {
    const sender = provider();
    apns.throttle(1, 2);
    const throttled = await sender.send(alert(), deviceToken(8));
    expect(throttled.failed).toEqual([expect.objectContaining({ status: 429, retryAfter: '2', response: { reason: 'TooManyRequests' } })]);
    expect(apns.received.map((r) => [r.status, r.retryAfterSeconds])).toEqual([[429, 2]]);

    apns.reset();
    apns.throttle(1);
    const retried = await sender.send(alert(), deviceToken(8));
    expect(retried.sent).toHaveLength(1);
    const [first, second] = apns.received;
    expect(first).toMatchObject({ status: 429, reason: 'TooManyRequests' });
    expect(second?.status).toBe(200);
    expect(second!.at - first!.at).toBeLessThan(1_000);

    apns.reset();
    apns.throttle(4);
    const exhausted = await sender.send(alert(), deviceToken(8));
    expect(exhausted.failed).toEqual([expect.objectContaining({ status: 429, response: { reason: 'TooManyRequests' } })]);
    expect(exhausted.failed[0]).not.toHaveProperty('retryAfter');
    expect(apns.received.map((r) => r.status)).toEqual([429, 429, 429, 429]);
  });

  it('is retried by node-apn on 500 and 503, which report differently when retries run out', async () => {
    const sender = provider();
    apns.fail(4, 503);
    const unavailable = await sender.send(alert(), deviceToken(9));
    expect(unavailable.failed).toEqual([expect.objectContaining({ status: 503, response: { reason: 'ServiceUnavailable' } })]);

    apns.fail(4, 500);
    const internal = await sender.send(alert(), deviceToken(9));
    expect(internal.failed[0]).toMatchObject({ status: 500 });
    expect(internal.failed[0]?.response).toBeUndefined();
    expect(internal.failed[0]?.error?.message).toBe('Error 500, stream ended unexpectedly');

    apns.fail(1, 503);
    const recovered = await sender.send(alert(), deviceToken(9));
    expect(recovered.sent).toHaveLength(1);
    expect(apns.received.map((r) => r.status)).toEqual([503, 503, 503, 503, 500, 500, 500, 500, 503, 200]);
  });

  it('makes node-apn mint a new provider token and retry on ExpiredProviderToken', async () => {
    apns.replyWith('ExpiredProviderToken');
    const result = await provider().send(alert(), deviceToken(14));

    expect(result.sent).toHaveLength(1);
    expect(apns.received.map((r) => [r.status, r.reason])).toEqual([[403, 'ExpiredProviderToken'], [200, undefined]]);
  });

  it('refuses provider tokens signed by another key or naming another team', async () => {
    const otherKey = await provider({ token: { key: newP8(), keyId, teamId } }).send(alert(), deviceToken(10));
    const otherTeam = await provider({ token: { key: p8, keyId, teamId: 'OTHERTEAM1' } }).send(alert(), deviceToken(10));
    const otherKeyId = await provider({ token: { key: p8, keyId: 'OTHERKEY12', teamId } }).send(alert(), deviceToken(10));

    for (const { failed } of [otherKey, otherTeam, otherKeyId]) {
      expect(failed).toEqual([expect.objectContaining({ status: 403, response: { reason: 'InvalidProviderToken' } })]);
    }
    expect(apns.received.every((r) => r.keyId === undefined)).toBe(true);
  });

  it('delivers to 500 devices in one send, with some unregistered, and can be awaited', async () => {
    const tokens = Array.from({ length: 500 }, (_, i) => deviceToken(1000 + i));
    for (const token of tokens.slice(0, 25)) apns.unregister(token);

    const [result, received] = await Promise.all([provider().send(alert(), tokens), apns.waitForReceived(500)]);

    expect(result.sent).toHaveLength(475);
    expect(result.failed).toHaveLength(25);
    expect(new Set(received.map((r) => r.token)).size).toBe(500);
  });

  it('holds answers for the configured latency', async () => {
    apns.latency(60);
    const started = performance.now();
    await provider().send(alert(), deviceToken(11));
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });
});

describe('APNs emulator: Live Activity pushes', () => {
  const activityTopic = `${topic}.push-type.liveactivity`;
  const now = () => Math.floor(Date.now() / 1000);
  /** A Live Activity push built with node-apn's own fields (push type, event, contentState, timestamp, dismissalDate). */
  const activityPush = (fields: Record<string, unknown> = {}) =>
    Object.assign(new apn.Notification(), { topic: activityTopic, pushType: 'liveactivity', priority: 10, event: 'update', contentState: { etaMinutes: 7 }, timestamp: now() }, fields);
  const answer = async (notification: apn.Notification, token = deviceToken(40)) => {
    const result = await provider().send(notification, token);
    return result.failed[0] ? { status: result.failed[0].status, reason: result.failed[0].response?.reason } : { status: 200 };
  };

  it('accepts an update and an end as ActivityKit needs them, and records them', async () => {
    const at = now();
    expect(await answer(activityPush({ timestamp: at }))).toEqual({ status: 200 });
    expect(await answer(activityPush({ event: 'end', contentState: undefined, timestamp: at + 1, dismissalDate: at + 3600, priority: 5 }))).toEqual({ status: 200 });
    expect(apns.received.map((r) => [r.headers, r.payload])).toEqual([
      [{ topic: activityTopic, priority: '10', pushType: 'liveactivity' }, { aps: { event: 'update', 'content-state': { etaMinutes: 7 }, timestamp: at } }],
      [{ topic: activityTopic, priority: '5', pushType: 'liveactivity' }, { aps: { event: 'end', timestamp: at + 1, 'dismissal-date': at + 3600 } }],
    ]);
  });

  it('refuses a Live Activity push on the app’s own topic, and another push type on the activity topic', async () => {
    expect(await answer(activityPush({ topic }))).toEqual({ status: 400, reason: 'BadTopic' });
    expect(await answer(alert({ topic: activityTopic, pushType: 'alert' }))).toEqual({ status: 400, reason: 'InvalidPushType' });
    expect(await answer(alert({ topic: activityTopic }))).toEqual({ status: 400, reason: 'InvalidPushType' });
    expect(await answer(activityPush({ priority: 1 }))).toEqual({ status: 400, reason: 'BadPriority' });
    expect(apns.received.map((r) => r.problem)).toEqual([
      `push type liveactivity needs the topic <bundle id>.push-type.liveactivity, got ${topic}`,
      `the topic ${activityTopic} takes push type liveactivity only, got alert`,
      `the topic ${activityTopic} takes push type liveactivity only, got none`,
      'a Live Activity push has priority 5 or 10, got 1',
    ]);
  });

  it('refuses a payload ActivityKit cannot use: no timestamp, timestamp in milliseconds, no or unknown event, an update without content state, dates not in seconds', async () => {
    const refused = [
      activityPush({ timestamp: undefined }),
      activityPush({ timestamp: Date.now() + 0.5 }),
      activityPush({ event: undefined }),
      activityPush({ event: 'pause' }),
      activityPush({ contentState: undefined }),
      activityPush({ event: 'end', dismissalDate: 1.5 }),
      activityPush({ staleDate: -1 }),
      activityPush({ event: 'start' }),
    ];
    for (const notification of refused) expect(await answer(notification)).toEqual({ status: 400, reason: 'PayloadEmpty' });
    expect(apns.received.map((r) => r.problem)).toEqual([
      'aps.timestamp must be UNIX seconds',
      'aps.timestamp must be UNIX seconds',
      'aps.event must be start, update or end, got undefined',
      'aps.event must be start, update or end, got "pause"',
      'aps.content-state is required for update',
      'aps.dismissal-date must be UNIX seconds',
      'aps.stale-date must be UNIX seconds',
      'a start needs aps.attributes-type and aps.attributes',
    ]);
  });

  it('lets a key allowed the app’s topic push to its Live Activity topic', async () => {
    const restricted = await new ApnsEmulator({ auth: { key: p8, keyId, teamId }, topics: [topic] }).start();
    try {
      const client = provider({ address: restricted.address, port: restricted.port, ca: [restricted.ca] });
      expect((await client.send(activityPush(), deviceToken(41))).failed).toEqual([]);
      const other = await client.send(activityPush({ topic: 'com.other.app.push-type.liveactivity' }), deviceToken(41));
      expect(other.failed[0]?.response?.reason).toBe('TopicDisallowed');
    } finally {
      await restricted.stop();
    }
  });
});

describe('APNs emulator on the wire', () => {
  async function rawRequest(headers: http2.OutgoingHttpHeaders, body?: string) {
    const session = http2.connect(`https://${apns.address}:${apns.port}`, { ca: apns.ca });
    try {
      return await new Promise<{ headers: http2.IncomingHttpHeaders; body: string }>((resolve, reject) => {
        const stream = session.request({ ':method': 'POST', ...headers });
        let text = '';
        let responseHeaders: http2.IncomingHttpHeaders = {};
        stream.setEncoding('utf8');
        stream.on('response', (h) => (responseHeaders = h));
        stream.on('data', (chunk: string) => (text += chunk));
        stream.on('end', () => resolve({ headers: responseHeaders, body: text }));
        stream.on('error', reject);
        stream.end(body);
      });
    } finally {
      session.close();
    }
  }

  it('answers route, method, credential and header errors with Apple reasons and a retry-after when throttling', async () => {
    const path = `/3/device/${deviceToken(12)}`;
    const missingAuth = await rawRequest({ ':path': path, 'apns-topic': topic }, '{}');
    const badPath = await rawRequest({ ':path': '/2/device/abc' }, '{}');
    const getMethod = await rawRequest({ ':path': path, ':method': 'GET' });
    const missingToken = await rawRequest({ ':path': '/3/device/' }, '{}');
    const garbledAuth = await rawRequest({ ':path': path, 'apns-topic': topic, authorization: 'bearer not.a.jwt' }, '{}');

    expect(missingAuth.headers[':status']).toBe(403);
    expect(JSON.parse(missingAuth.body)).toEqual({ reason: 'MissingProviderToken' });
    expect(missingAuth.headers['apns-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(badPath.body)).toEqual({ reason: 'BadPath' });
    expect(badPath.headers[':status']).toBe(404);
    expect(getMethod.headers[':status']).toBe(405);
    expect(JSON.parse(missingToken.body)).toEqual({ reason: 'MissingDeviceToken' });
    expect(JSON.parse(garbledAuth.body)).toEqual({ reason: 'InvalidProviderToken' });
  });

  it('shows retry-after on a throttled answer and refuses repeated headers', async () => {
    const jwt = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: keyId }).setIssuer(teamId).setIssuedAt().sign(createPrivateKey(p8));
    const authorization = `bearer ${jwt}`;
    const path = `/3/device/${deviceToken(13)}`;

    apns.throttle(1, 30);
    const throttled = await rawRequest({ ':path': path, 'apns-topic': topic, authorization }, '{"aps":{}}');
    const duplicated = await rawRequest({ ':path': path, 'apns-topic': [topic, topic], authorization }, '{"aps":{}}');

    expect(throttled.headers[':status']).toBe(429);
    expect(throttled.headers['retry-after']).toBe('30');
    expect(JSON.parse(throttled.body)).toEqual({ reason: 'TooManyRequests' });
    expect(JSON.parse(duplicated.body)).toEqual({ reason: 'DuplicateHeaders' });
    expect(apns.received.map((r) => r.keyId)).toEqual([keyId, keyId]);
  });
});
