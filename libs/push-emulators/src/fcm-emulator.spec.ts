import type { FirebaseError } from 'firebase-admin/app';
import type { Message } from 'firebase-admin/messaging';
import http2 from 'node:http2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FcmEmulator } from './fcm-emulator';
import { fcmErrorType } from './fcm-errors';
import { connectFirebaseToEmulator, type EmulatedFirebase } from './firebase-harness';

const projectId = 'notify-demo';
const registration = (n: number) => `fcm-token-${n}:APA91b${'x'.repeat(40)}`;

let fcm: FcmEmulator;
let firebase: EmulatedFirebase;

beforeAll(async () => {
  fcm = await new FcmEmulator({ projectId }).start();
  firebase = connectFirebaseToEmulator(fcm, { projectId });
});

afterEach(() => fcm.reset());

afterAll(async () => {
  await firebase.close();
  await fcm.stop();
});

const codeOf = async (sending: Promise<unknown>) => ((await sending.then(() => undefined, (err: unknown) => err)) as FirebaseError | undefined)?.code;

describe('FCM emulator with the real firebase-admin', () => {
  it('runs the OAuth exchange, then accepts send() over HTTP/1.1 and records the message', async () => {
    const message: Message = {
      token: registration(1),
      notification: { title: 'Payment received', body: '12.00 EUR from Bob' },
      data: { eventId: 'pay-7731' },
      android: { priority: 'high', collapseKey: 'payments' },
    };
    const name = await firebase.messaging.send(message);

    expect(name).toMatch(new RegExp(`^projects/${projectId}/messages/0:\\d+%[0-9a-f]+$`));
    expect(fcm.received).toEqual([
      expect.objectContaining({
        httpVersion: '1.1',
        path: `/v1/projects/${projectId}/messages:send`,
        project: projectId,
        token: registration(1),
        validateOnly: false,
        status: 200,
        name,
        // firebase-admin renames camelCase fields to the wire's snake_case.
        message: { token: registration(1), notification: message.notification, data: message.data, android: { priority: 'high', collapse_key: 'payments' } },
      }),
    ]);
  });

  it('answers a dry run with the fake message id', async () => {
    const name = await firebase.messaging.send({ topic: 'followers-42', notification: { title: 'Hi' } }, true);

    expect(name).toBe(`projects/${projectId}/messages/fake_message_id`);
    expect(fcm.received[0]).toMatchObject({ topic: 'followers-42', validateOnly: true, status: 200 });
  });

  it('accepts sendEach over HTTP/2 and maps every token error as firebase-admin reports it', async () => {
    fcm.unregister(registration(2)).invalidToken(registration(3)).mismatchSender(registration(4));
    const tokens = [1, 2, 3, 4].map(registration);
    const batch = await firebase.messaging.sendEach(tokens.map((token) => ({ token, data: { n: token } })));

    expect(batch.successCount).toBe(1);
    expect(batch.responses.map((r) => r.error?.code)).toEqual([
      undefined,
      'messaging/registration-token-not-registered',
      'messaging/invalid-argument',
      'messaging/mismatched-credential',
    ]);
    expect(batch.responses[2]?.error?.message).toBe('The registration token is not a valid FCM registration token');
    expect(fcm.received.map((r) => [r.httpVersion, r.status, r.errorCode])).toEqual(
      expect.arrayContaining([
        ['2.0', 200, undefined],
        ['2.0', 404, 'UNREGISTERED'],
        ['2.0', 400, 'INVALID_ARGUMENT'],
        ['2.0', 403, 'SENDER_ID_MISMATCH'],
      ]),
    );
  });

  it.each([
    ['QUOTA_EXCEEDED', 'messaging/message-rate-exceeded'],
    ['INTERNAL', 'messaging/internal-error'],
    ['THIRD_PARTY_AUTH_ERROR', 'messaging/third-party-auth-error'],
    ['INVALID_ARGUMENT', 'messaging/invalid-argument'],
    ['UNREGISTERED', 'messaging/registration-token-not-registered'],
    ['SENDER_ID_MISMATCH', 'messaging/mismatched-credential'],
  ] as const)('surfaces %s as %s, without a retry', async (errorCode, code) => {
    fcm.replyWith(errorCode);
    expect(await codeOf(firebase.messaging.send({ token: registration(5) }))).toBe(code);
    expect(fcm.received).toHaveLength(1);
  });

  it('throttles with QUOTA_EXCEEDED and a retry-after, which firebase-admin 14 passes on from send and sendEach alike', async () => {
    fcm.throttle(1, 7);
    const error = await firebase.messaging.send({ token: registration(6) }).catch((err: FirebaseError) => err);
    expect((error as FirebaseError).code).toBe('messaging/message-rate-exceeded');
    expect((error as { httpResponse?: { headers?: Record<string, string> } }).httpResponse?.headers?.['retry-after']).toBe('7');

    fcm.throttle(1, 9);
    const batch = await firebase.messaging.sendEach([{ token: registration(7) }]);
    expect(batch.responses[0]!.error?.code).toBe('messaging/message-rate-exceeded');
    expect((batch.responses[0]!.error as { httpResponse?: { headers?: Record<string, string> } } | undefined)?.httpResponse?.headers?.['retry-after']).toBe('9');
    expect(fcm.received).toMatchObject([
      { status: 429, errorCode: 'QUOTA_EXCEEDED', retryAfterSeconds: 7 },
      { status: 429, errorCode: 'QUOTA_EXCEEDED', retryAfterSeconds: 9 },
    ]);
  });

  it('is retried by firebase-admin on 503, waiting as retry-after says, until it reports server-unavailable', async () => {
    fcm.fail(1, 503);
    await firebase.messaging.send({ token: registration(7) });
    expect(fcm.received.map((r) => r.status)).toEqual([503, 200]);

    fcm.reset();
    fcm.fail(5, 503, 1);
    expect(await codeOf(firebase.messaging.send({ token: registration(7) }))).toBe('messaging/server-unavailable');
    const times = fcm.received.map((r) => r.at);
    expect(times).toHaveLength(5);
    expect(times.slice(1).every((at, i) => at - times[i]! >= 900)).toBe(true);
  }, 15_000);

  it('sends a multicast of 500 tokens in one call, with some unregistered', async () => {
    const tokens = Array.from({ length: 500 }, (_, i) => registration(1000 + i));
    for (const token of tokens.filter((_, i) => i % 25 === 0)) fcm.unregister(token);

    const [batch, received] = await Promise.all([
      firebase.messaging.sendEachForMulticast({ tokens, notification: { title: 'Weekly digest' }, apns: { payload: { aps: { 'thread-id': 'digest' } } } }),
      fcm.waitForReceived(500),
    ]);

    expect(batch.successCount).toBe(480);
    expect(batch.failureCount).toBe(20);
    expect(batch.responses[25]?.error?.code).toBe('messaging/registration-token-not-registered');
    expect(new Set(received.map((r) => r.token)).size).toBe(500);
    expect(received.every((r) => r.httpVersion === '2.0')).toBe(true);
    expect(fcm.tokenExchanges.length).toBeLessThanOrEqual(1); // the app caches its access token
  });

  it('answers 401 UNAUTHENTICATED to a revoked access token, which firebase-admin reports as third-party-auth-error', async () => {
    const own = connectFirebaseToEmulator(fcm, { projectId });
    try {
      await own.messaging.send({ token: registration(8) });
      fcm.revokeAccessTokens();
      expect(await codeOf(own.messaging.send({ token: registration(8) }))).toBe('messaging/third-party-auth-error');
      expect(fcm.received.map((r) => [r.status, r.errorCode])).toEqual([[200, undefined], [401, 'UNAUTHENTICATED']]);
      expect(fcm.tokenExchanges).toHaveLength(1); // the cached token is not refreshed after a 401
    } finally {
      await own.close();
    }
  });

  it('refuses another project with PERMISSION_DENIED', async () => {
    const other = connectFirebaseToEmulator(fcm, { projectId: 'someone-else' });
    try {
      expect(await codeOf(other.messaging.send({ token: registration(9) }))).toBe('messaging/mismatched-credential');
      expect(fcm.tokenExchanges).toMatchObject([{ status: 200, issuer: 'firebase-adminsdk@someone-else.iam.gserviceaccount.com' }]);
    } finally {
      await other.close();
    }
  });
});

describe('FCM emulator on the wire', () => {
  let session: http2.ClientHttp2Session;
  beforeAll(() => {
    session = http2.connect(`https://${fcm.address}:${fcm.port}`, { ca: fcm.ca });
  });
  afterAll(() => session.close());

  function post(path: string, body: unknown, headers: http2.OutgoingHttpHeaders = {}) {
    return new Promise<{ headers: http2.IncomingHttpHeaders; body: Record<string, unknown> }>((resolve, reject) => {
      const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/json', ...headers });
      let text = '';
      let responseHeaders: http2.IncomingHttpHeaders = {};
      stream.setEncoding('utf8');
      stream.on('response', (h) => (responseHeaders = h));
      stream.on('data', (chunk: string) => (text += chunk));
      stream.on('end', () => resolve({ headers: responseHeaders, body: JSON.parse(text) as Record<string, unknown> }));
      stream.on('error', reject);
      stream.end(typeof body === 'string' ? body : JSON.stringify(body));
    });
  }
  const sendPath = `/v1/projects/${projectId}/messages:send`;
  const authorized = () => ({ authorization: `Bearer ${fcm.issueAccessToken().access_token}` });

  it("answers Google's error bodies for bad messages", async () => {
    const numericData = await post(sendPath, { message: { token: registration(1), data: { count: 3 } } }, authorized());
    const unknownField = await post(sendPath, { message: { token: registration(1), priority: 'high' } }, authorized());
    const noTarget = await post(sendPath, { message: { notification: { title: 'x' } } }, authorized());
    const twoTargets = await post(sendPath, { message: { token: registration(1), topic: 'news' } }, authorized());

    expect(numericData.headers[':status']).toBe(400);
    expect(numericData.body).toEqual({
      error: {
        code: 400,
        message: "Invalid value at 'message.data[0].value' (TYPE_STRING), 3",
        status: 'INVALID_ARGUMENT',
        details: [
          { '@type': fcmErrorType, errorCode: 'INVALID_ARGUMENT' },
          { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'message.data[0].value', description: "Invalid value at 'message.data[0].value' (TYPE_STRING), 3" }] },
        ],
      },
    });
    expect(unknownField.body).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT', message: expect.stringContaining('Unknown name "priority"') } });
    expect(noTarget.body).toMatchObject({ error: { message: 'Recipient of the message is not set.' } });
    expect(twoTargets.body).toMatchObject({ error: { status: 'INVALID_ARGUMENT' } });
  });

  it('refuses a webpush block FCM would refuse, and records a good one as sent', async () => {
    const webpush = (block: unknown) => post(sendPath, { message: { token: registration(2), webpush: block } }, authorized());
    expect((await webpush({ headers: { TTL: 60 } })).body).toMatchObject({ error: { code: 400, message: "Invalid value at 'message.webpush.headers[0].value' (TYPE_STRING)" } });
    expect((await webpush({ headers: { Urgency: 'urgent' } })).body).toMatchObject({ error: { message: expect.stringContaining('Invalid Urgency header') } });
    expect((await webpush({ headers: { TTL: '-1' } })).body).toMatchObject({ error: { message: expect.stringContaining('Invalid TTL header') } });
    expect((await webpush({ headers: { Topic: 'ride:42' } })).body).toMatchObject({ error: { message: expect.stringContaining('Invalid Topic header') } });
    expect((await webpush({ headers: { Topic: 't'.repeat(33) } })).body).toMatchObject({ error: { message: expect.stringContaining('Invalid Topic header') } });
    expect((await webpush({ fcmOptions: { link: 'shop://orders/1' } })).body).toMatchObject({ error: { message: 'The link in webpush.fcm_options must be an HTTPS URL.' } });
    expect((await webpush({ priority: 'high' })).body).toMatchObject({ error: { message: expect.stringContaining('Unknown name "priority" at \'message.webpush\'') } });
    fcm.reset();
    const block = { headers: { TTL: '600', Urgency: 'high', Topic: 'ride-42' }, notification: { title: 'Hi', icon: 'https://shop.example.com/icon.png' }, fcm_options: { link: 'https://shop.example.com/orders/1' } };
    expect((await webpush(block)).headers[':status']).toBe(200);
    expect(fcm.received.at(-1)).toMatchObject({ status: 200, token: registration(2), message: { webpush: block } });
  });

  it('answers 401 without a bearer token, shows retry-after when throttling, and refuses a bad OAuth grant', async () => {
    const anonymous = await post(sendPath, { message: { token: registration(1) } });
    fcm.throttle(1, 30);
    const throttled = await post(sendPath, { message: { token: registration(1) } }, authorized());
    const badGrant = await post('/token', 'grant_type=password&username=x', { 'content-type': 'application/x-www-form-urlencoded' });
    const unregistered = await post(sendPath, { message: { token: registration(2) } }, authorized()).then(() => {
      fcm.unregister(registration(2));
      return post(sendPath, { message: { token: registration(2) } }, authorized());
    });

    expect(anonymous.headers[':status']).toBe(401);
    expect(anonymous.body).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED' } });
    expect(throttled.headers[':status']).toBe(429);
    expect(throttled.headers['retry-after']).toBe('30');
    expect(throttled.body).toMatchObject({ error: { code: 429, status: 'RESOURCE_EXHAUSTED', details: [{ '@type': fcmErrorType, errorCode: 'QUOTA_EXCEEDED' }] } });
    expect(badGrant.headers[':status']).toBe(400);
    expect(badGrant.body).toEqual({ error: 'unsupported_grant_type', error_description: 'Invalid grant_type: password' });
    expect(unregistered.body).toEqual({
      error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND', details: [{ '@type': fcmErrorType, errorCode: 'UNREGISTERED' }] },
    });
  });
});
