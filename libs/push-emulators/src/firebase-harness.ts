/**
 * Test and embedded-mode harness: points the real `firebase-admin` at an {@link FcmEmulator}.
 *
 * firebase-admin has no endpoint setting. `send()` goes over HTTP/1.1 and honours the app's
 * `httpAgent`; `sendEach()` and `sendEachForMulticast()` open their own HTTP/2 session to
 * fcm.googleapis.com and ignore it. So this harness
 * - wraps `http2.connect` so that only `https://fcm.googleapis.com` goes to the emulator, with
 *   its CA and the real `servername`, and rewrites the `:scheme` pseudo header firebase-admin
 *   sends as `https:` (Google accepts it; Node's HTTP/2 server resets the stream);
 * - gives the app an `httpAgent` that dials the emulator for HTTP/1.1;
 * - gives the app a credential that runs the OAuth exchange against the emulator's `/token`.
 *
 * The wrap is process-wide. It belongs in test set-up and the embedded mode only, never in a
 * service: a service talks to Google with Google's defaults.
 */
import { randomUUID } from 'node:crypto';
import http2 from 'node:http2';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { deleteApp, initializeApp, type App, type Credential, type GoogleOAuthAccessToken } from 'firebase-admin/app';
import { getMessaging, type Messaging } from 'firebase-admin/messaging';
import { SignJWT } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import { fcmHost } from './fcm-emulator';

/** Where FCM traffic should go instead; an {@link FcmEmulator} is one. */
export interface FcmTarget {
  readonly address: string;
  readonly port: number;
  readonly ca: string;
}

type Connect = typeof http2.connect;
const http2Module = http2 as unknown as { connect: Connect };
let redirect: { target: FcmTarget; original: Connect; wrapped: Connect; users: number } | undefined;

/**
 * Sends firebase-admin's HTTP/2 sessions for fcm.googleapis.com to `target`; every other
 * host connects as before. Calls for the same target share one wrap; the returned function
 * undoes this call's share.
 * @example const undo = redirectFcmHttp2(fcm); try { await messaging.sendEach(msgs); } finally { undo(); }
 */
export function redirectFcmHttp2(target: FcmTarget): () => void {
  if (redirect && redirect.target !== target) throw new Error('FCM traffic already goes to another emulator; undo that redirect first');
  if (!redirect) {
    const original = http2Module.connect;
    const wrapped = function connect(this: unknown, authority: string | URL, ...rest: unknown[]) {
      const url = typeof authority === 'string' ? new URL(authority) : authority;
      if (url.hostname !== fcmHost) return (original as (...args: unknown[]) => http2.ClientHttp2Session).call(this, authority, ...rest);
      const [first, second] = rest;
      const options = typeof first === 'object' && first !== null ? (first as http2.SecureClientSessionOptions) : {};
      const listener = typeof first === 'function' ? first : second;
      const session = (original as (...args: unknown[]) => http2.ClientHttp2Session).call(
        this,
        `https://${target.address}:${target.port}`,
        { ...options, ca: target.ca, servername: fcmHost },
        ...(typeof listener === 'function' ? [listener] : []),
      );
      const request = session.request;
      session.request = function (headers?: http2.OutgoingHttpHeaders, requestOptions?: http2.ClientSessionRequestOptions) {
        return request.call(this, normaliseHeaders(headers), requestOptions);
      };
      return session;
    } as Connect;
    redirect = { target, original, wrapped, users: 0 };
    http2Module.connect = wrapped;
  }
  const current = redirect;
  current.users += 1;
  let undone = false;
  return () => {
    if (undone) return;
    undone = true;
    current.users -= 1;
    if (current.users > 0) return;
    if (http2Module.connect === current.wrapped) http2Module.connect = current.original;
    if (redirect === current) redirect = undefined;
  };
}

function normaliseHeaders(headers: http2.OutgoingHttpHeaders | undefined): http2.OutgoingHttpHeaders {
  const scheme = headers?.[':scheme'];
  return {
    ':authority': fcmHost,
    ...headers,
    ...(typeof scheme === 'string' && scheme.endsWith(':') ? { ':scheme': scheme.slice(0, -1) } : {}),
  };
}

/** An HTTPS agent that dials `target` whatever host a request names, checking the certificate as the named host. */
export function fcmEmulatorAgent(target: FcmTarget): https.Agent {
  const agent = new https.Agent({ keepAlive: true, ca: target.ca });
  const createConnection = agent.createConnection.bind(agent);
  agent.createConnection = (options: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void) =>
    createConnection({ ...options, host: target.address, port: target.port, servername: options.servername || fcmHost }, callback);
  return agent;
}

/**
 * A credential whose access tokens come from the emulator's OAuth endpoint, through the same
 * JWT-bearer exchange a service account makes (signed with a throw-away key the emulator does not check).
 */
export function emulatorCredential(target: FcmTarget, clientEmail = 'firebase-adminsdk@notify-emulated.iam.gserviceaccount.com'): Credential {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const tokenUri = `https://${target.address}:${target.port}/token`;
  return {
    async getAccessToken(): Promise<GoogleOAuthAccessToken> {
      const assertion = await new SignJWT({ scope: 'https://www.googleapis.com/auth/cloud-platform https://www.googleapis.com/auth/firebase.messaging' })
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuer(clientEmail)
        .setAudience(tokenUri)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey);
      const form = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString();
      const { status, body } = await postForm(tokenUri, form, target.ca);
      if (status !== 200) throw new Error(`token exchange failed with ${status}: ${body}`);
      return JSON.parse(body) as GoogleOAuthAccessToken;
    },
  };
}

function postForm(url: string, form: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', ca, agent: false, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(form);
  });
}

export interface EmulatedFirebase {
  app: App;
  messaging: Messaging;
  /** Deletes the app, closes its connections and undoes its share of the HTTP/2 redirect. */
  close(): Promise<void>;
}

/**
 * A firebase-admin app (with a unique name) whose messaging reaches `target` on every path.
 * @example
 * const firebase = await connectFirebaseToEmulator(fcm, { projectId: 'demo' });
 * await firebase.messaging.sendEachForMulticast({ tokens, notification: { title: 'Hi' } });
 * await firebase.close();
 */
export function connectFirebaseToEmulator(target: FcmTarget, { projectId = 'notify-emulated' }: { projectId?: string } = {}): EmulatedFirebase {
  const undo = redirectFcmHttp2(target);
  const httpAgent = fcmEmulatorAgent(target);
  const app = initializeApp(
    { credential: emulatorCredential(target, `firebase-adminsdk@${projectId}.iam.gserviceaccount.com`), projectId, httpAgent },
    `fcm-emulator-${randomUUID()}`,
  );
  return {
    app,
    messaging: getMessaging(app),
    async close() {
      await deleteApp(app);
      httpAgent.destroy();
      undo();
    },
  };
}
