import { randomBytes } from 'node:crypto';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { decodeJwt } from 'jose';
import { fcmErrorBody, fcmErrors, googleErrorBody, type FcmErrorCode, type GoogleErrorBody } from './fcm-errors';
import { checkSendRequest, type FcmMessage } from './fcm-message';
import { ProviderEmulator } from './provider-emulator';
import { delay, readBody } from './secure-server';

/** The host firebase-admin sends messages to; the emulator's certificate is valid for it. */
export const fcmHost = 'fcm.googleapis.com';
/** Google's OAuth token host; the emulator serves its `/token` too. */
export const oauthHost = 'oauth2.googleapis.com';
const jwtBearerGrant = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface FcmEmulatorOptions {
  /** When set, sends to any other project get 403 PERMISSION_DENIED. */
  projectId?: string;
  accessTokenTtlSeconds?: number;
  /** How many of the latest sends `received` keeps (default 100,000). */
  recordLimit?: number;
}

/** One `messages:send` request as the emulator saw and answered it. */
export interface FcmReceived {
  at: number;
  /** '2.0' for HTTP/2, '1.1' for HTTP/1.1. */
  httpVersion: string;
  method: string;
  path: string;
  project?: string;
  message?: FcmMessage;
  validateOnly?: boolean;
  token?: string;
  topic?: string;
  condition?: string;
  status: number;
  /** FCM's errorCode, or Google's status for errors FCM never saw (UNAUTHENTICATED, PERMISSION_DENIED). */
  errorCode?: string;
  /** The message name answered on success. */
  name?: string;
  retryAfterSeconds?: number;
}

/** One OAuth token exchange. */
export interface FcmTokenExchange {
  at: number;
  grantType: string;
  issuer?: string;
  scope?: string;
  status: number;
  accessToken?: string;
}

type Verdict = { status: number; body: GoogleErrorBody | { name: string }; errorCode?: string; retryAfterSeconds?: number };

/**
 * A local FCM: the OAuth token exchange and the v1 `messages:send` endpoint over TLS (HTTP/2
 * and HTTP/1.1), Google's error bodies, fault switches and a record of every send.
 * @example
 * const fcm = await new FcmEmulator({ projectId: 'demo' }).start();
 * fcm.unregister('stale-token');
 */
export class FcmEmulator extends ProviderEmulator<FcmErrorCode, FcmReceived> {
  private readonly exchanges: FcmTokenExchange[] = [];
  private readonly accessTokens = new Map<string, number>();
  private readonly tokenErrors = new Map<string, FcmErrorCode>();

  constructor(private readonly options: FcmEmulatorOptions = {}) {
    // HTTP/1.1 too: firebase-admin's send() uses it.
    super({ name: 'FCM emulator', dnsNames: ['localhost', fcmHost, oauthHost], allowHTTP1: true, recordLimit: options.recordLimit });
  }

  /** The token endpoint, as a service account's `token_uri` would name it. */
  get tokenUri(): string {
    return `https://${this.address}:${this.port}/token`;
  }

  /** Every OAuth exchange since the last reset. */
  get tokenExchanges(): readonly FcmTokenExchange[] {
    return this.exchanges;
  }

  /** Mints an access token `messages:send` accepts, without an OAuth exchange. */
  issueAccessToken(): { access_token: string; expires_in: number; token_type: 'Bearer' } {
    const ttl = this.options.accessTokenTtlSeconds ?? 3599;
    const accessToken = `ya29.emulator-${randomBytes(24).toString('base64url')}`;
    this.accessTokens.set(accessToken, Date.now() + ttl * 1000);
    return { access_token: accessToken, expires_in: ttl, token_type: 'Bearer' };
  }

  /** Every access token issued so far stops working (401 UNAUTHENTICATED). */
  revokeAccessTokens(): this {
    this.accessTokens.clear();
    return this;
  }

  /** The registration token answers 404 UNREGISTERED from now on. */
  unregister(token: string): this {
    this.tokenErrors.set(token, 'UNREGISTERED');
    return this;
  }

  /** The registration token answers 400 INVALID_ARGUMENT (not a valid FCM registration token). */
  invalidToken(token: string): this {
    this.tokenErrors.set(token, 'INVALID_ARGUMENT');
    return this;
  }

  /** The registration token belongs to another sender: 403 SENDER_ID_MISMATCH. */
  mismatchSender(token: string): this {
    this.tokenErrors.set(token, 'SENDER_ID_MISMATCH');
    return this;
  }

  /** Clears the record and every switch; issued access tokens stay valid. */
  override reset(): void {
    super.reset();
    this.exchanges.length = 0;
    this.tokenErrors.clear();
  }

  protected async handle(req: Http2ServerRequest, res: Http2ServerResponse): Promise<void> {
    const { body, overflow } = await readBody(req, 1 << 20);
    if (req.method === 'POST' && req.url.split('?')[0] === '/token') return this.exchangeToken(req, res, body);

    const route = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(req.url.split('?')[0]!);
    let parsed: unknown;
    try {
      parsed = overflow ? undefined : JSON.parse(body.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    const check = route && req.method === 'POST' ? checkSendRequest(parsed) : undefined;
    const message = check?.ok ? check.message : undefined;
    const verdict = this.judge(req, route?.[1], check);

    await delay(this.faults.latencyMs);
    this.log.add({
      at: Date.now(),
      httpVersion: req.httpVersion,
      method: req.method,
      path: req.url,
      ...(route ? { project: route[1] } : {}),
      ...(message ? { message, validateOnly: check?.ok ? check.validateOnly : false } : {}),
      ...(message?.token === undefined ? {} : { token: message.token }),
      ...(message?.topic === undefined ? {} : { topic: message.topic }),
      ...(message?.condition === undefined ? {} : { condition: message.condition }),
      status: verdict.status,
      ...(verdict.errorCode ? { errorCode: verdict.errorCode } : {}),
      ...('name' in verdict.body ? { name: verdict.body.name } : {}),
      ...(verdict.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: verdict.retryAfterSeconds }),
    });
    send(res, verdict.status, verdict.body, verdict.retryAfterSeconds === undefined ? {} : { 'retry-after': String(verdict.retryAfterSeconds) });
  }

  /** Decides the answer in the order Google's stack does: route, credentials, project, load, then the message. */
  private judge(req: Http2ServerRequest, project: string | undefined, check: ReturnType<typeof checkSendRequest> | undefined): Verdict {
    const google = (status: 'UNAUTHENTICATED' | 'PERMISSION_DENIED' | 'NOT_FOUND'): Verdict => {
      const body = googleErrorBody(status);
      return { status: body.error.code, body, errorCode: status };
    };
    const fcm = (errorCode: FcmErrorCode, message?: string, field?: string, retryAfterSeconds?: number): Verdict => ({
      status: fcmErrors[errorCode].httpStatus,
      body: fcmErrorBody(errorCode, message, field),
      errorCode,
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    });

    if (!project || !check) return google('NOT_FOUND');
    const bearer = /^bearer\s+(\S+)$/i.exec(headerValue(req.headers.authorization) ?? '')?.[1];
    const expiresAt = bearer ? this.accessTokens.get(bearer) : undefined;
    if (expiresAt === undefined || expiresAt < Date.now()) return google('UNAUTHENTICATED');
    if (this.options.projectId !== undefined && project !== this.options.projectId) return google('PERMISSION_DENIED');

    const fault = this.faults.take();
    if (fault?.kind === 'throttle') return fcm('QUOTA_EXCEEDED', undefined, undefined, fault.retryAfterSeconds);
    if (fault?.kind === 'fail') return fcm(fault.status === 503 ? 'UNAVAILABLE' : 'INTERNAL', undefined, undefined, fault.retryAfterSeconds);
    if (fault?.kind === 'reply') return fcm(fault.code);

    if (!check.ok) return fcm('INVALID_ARGUMENT', check.message, check.field);
    const { message, validateOnly } = check;
    if (Buffer.byteLength(JSON.stringify({ data: message.data, notification: message.notification })) > 4096) {
      return fcm('INVALID_ARGUMENT', 'Message is too big', 'message');
    }
    const tokenError = message.token === undefined ? undefined : this.tokenErrors.get(message.token);
    if (tokenError === 'INVALID_ARGUMENT') return fcm(tokenError, 'The registration token is not a valid FCM registration token', 'message.token');
    if (tokenError) return fcm(tokenError);

    const id = validateOnly ? 'fake_message_id' : `0:${Date.now()}%${randomBytes(8).toString('hex')}`;
    return { status: 200, body: { name: `projects/${project}/messages/${id}` } };
  }

  /** Google's OAuth 2.0 token endpoint, for the JWT-bearer grant service accounts use. */
  private exchangeToken(req: Http2ServerRequest, res: Http2ServerResponse, body: Buffer): void {
    const text = body.toString('utf8');
    let params: Record<string, string> = {};
    try {
      params = headerValue(req.headers['content-type'])?.includes('json') ? (JSON.parse(text) as Record<string, string>) : Object.fromEntries(new URLSearchParams(text));
    } catch {
      params = {};
    }
    const grantType = params.grant_type ?? '';
    const refuse = (error: string, description: string) => {
      this.recordExchange({ at: Date.now(), grantType, status: 400 });
      send(res, 400, { error, error_description: description });
    };
    if (grantType !== jwtBearerGrant) return refuse('unsupported_grant_type', `Invalid grant_type: ${grantType}`);
    let claims: { iss?: unknown; scope?: unknown };
    try {
      claims = decodeJwt(params.assertion ?? '');
    } catch {
      return refuse('invalid_grant', 'Invalid JWT: Token must be a short-lived token and in a reasonable timeframe.');
    }
    if (typeof claims.iss !== 'string' || typeof claims.scope !== 'string') return refuse('invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
    const issued = this.issueAccessToken();
    this.recordExchange({ at: Date.now(), grantType, issuer: claims.iss, scope: claims.scope, status: 200, accessToken: issued.access_token });
    send(res, 200, issued);
  }

  private recordExchange(exchange: FcmTokenExchange): void {
    if (this.exchanges.length >= 1000) this.exchanges.shift();
    this.exchanges.push(exchange);
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function send(res: Http2ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers }).end(JSON.stringify(body));
}
