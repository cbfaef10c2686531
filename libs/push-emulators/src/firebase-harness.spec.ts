import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FcmEmulator, fcmHost } from './fcm-emulator';
import { redirectFcmHttp2 } from './firebase-harness';

let fcm: FcmEmulator;

beforeAll(async () => {
  fcm = await new FcmEmulator().start();
});

afterAll(() => fcm.stop());

function statusOf(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders): Promise<number> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': '/v1/projects/p/messages:send', ...headers });
    stream.on('response', (h) => resolve(Number(h[':status'])));
    stream.on('error', reject);
    stream.end('{}');
  });
}

describe('redirectFcmHttp2', () => {
  it('sends only the FCM host to the emulator, with the scheme firebase-admin writes made acceptable', async () => {
    const original = http2.connect;
    const undo = redirectFcmHttp2(fcm);
    try {
      const redirected = http2.connect(`https://${fcmHost}`);
      const direct = http2.connect(`https://localhost:${fcm.port}`, { ca: fcm.ca });
      try {
        expect(await statusOf(redirected, { ':scheme': 'https:' })).toBe(401);
        expect(await statusOf(direct, {})).toBe(401);
        expect(fcm.received.map((r) => r.status)).toEqual([401, 401]);
      } finally {
        redirected.close();
        direct.close();
      }
    } finally {
      undo();
    }
    expect(http2.connect).toBe(original);
  });

  it('shares one redirect per emulator and refuses a second emulator while it is in place', async () => {
    const original = http2.connect;
    const other = new FcmEmulator();
    const undoFirst = redirectFcmHttp2(fcm);
    const undoSecond = redirectFcmHttp2(fcm);
    expect(() => redirectFcmHttp2(other)).toThrow(/another emulator/);
    undoFirst();
    undoFirst();
    expect(http2.connect).not.toBe(original);
    undoSecond();
    expect(http2.connect).toBe(original);
  });
});
