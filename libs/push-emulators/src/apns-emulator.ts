import { randomUUID } from 'node:crypto';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { apnsReasons, type ApnsErrorBody, type ApnsReason } from './apns-reasons';
import { ProviderTokenVerifier, type ProviderTokenPolicy } from './apns-provider-token';
import { LIVE_ACTIVITY_TOPIC_SUFFIX, liveActivityHeaderProblem, liveActivityPayloadProblem } from './apns-live-activity';
import { ProviderEmulator } from './provider-emulator';
import { delay, readBody } from './secure-server';

export interface ApnsEmulatorOptions {
  /** How `authorization: bearer <jwt>` is checked; see {@link ProviderTokenPolicy}. */
  auth?: ProviderTokenPolicy;
  /** Topics the provider key may push to (with their `.push-type.liveactivity` topics); any other gets 400 TopicDisallowed. Unset: any topic. */
  topics?: string[];
  /** The sandbox also answers with `apns-unique-id`; production does not. */
  environment?: 'development' | 'production';
  /** How many of the latest requests `received` keeps (default 100,000). */
  recordLimit?: number;
}

/** The request headers APNs reads, exactly as they arrived. */
export interface ApnsRequestHeaders {
  topic?: string;
  priority?: string;
  pushType?: string;
  collapseId?: string;
  expiration?: string;
  apnsId?: string;
}

/** One request as the emulator saw and answered it. */
export interface ApnsReceived {
  at: number;
  method: string;
  path: string;
  /** The device token from the path ('' when the path had none). */
  token: string;
  headers: ApnsRequestHeaders;
  /** The parsed JSON body, when it parsed. */
  payload?: unknown;
  payloadBytes: number;
  /** `kid` and `iss` of an accepted provider token. */
  keyId?: string;
  teamId?: string;
  status: number;
  reason?: ApnsReason;
  /** The `apns-id` the emulator answered with. */
  responseApnsId: string;
  /** What was wrong, in words, when the reason alone does not say (a Live Activity push's headers or payload). */
  problem?: string;
  retryAfterSeconds?: number;
}

const pushTypes = new Set(['alert', 'background', 'controls', 'complication', 'fileprovider', 'liveactivity', 'location', 'mdm', 'pushtotalk', 'voip', 'widgets']);
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const tokenPattern = /^(?:[0-9a-f]{2}){32,100}$/i;
const apnsHeaderNames = ['apns-topic', 'apns-priority', 'apns-push-type', 'apns-collapse-id', 'apns-expiration', 'apns-id', 'authorization'];

type Verdict = { status: number; reason?: ApnsReason; timestamp?: number; retryAfterSeconds?: number; problem?: string };

/**
 * A local APNs: HTTP/2 over TLS with a fresh self-signed certificate, Apple's paths, headers,
 * status codes and reason bodies, fault switches and a record of every request.
 * @example
 * const apns = await new ApnsEmulator({ auth: { key: p8, keyId, teamId } }).start();
 * const provider = new apn.Provider({ token: { key: p8, keyId, teamId }, address: apns.address, port: apns.port, ca: [apns.ca] });
 */
export class ApnsEmulator extends ProviderEmulator<ApnsReason, ApnsReceived> {
  private readonly verifier: ProviderTokenVerifier;
  private readonly gone = new Map<string, { reason: 'Unregistered' | 'ExpiredToken'; timestamp: number }>();
  private readonly badTokens = new Set<string>();

  constructor(private readonly options: ApnsEmulatorOptions = {}) {
    // HTTP/2 only, like APNs.
    super({ name: 'APNs emulator', dnsNames: ['localhost'], allowHTTP1: false, recordLimit: options.recordLimit });
    this.verifier = new ProviderTokenVerifier(options.auth);
  }

  /** The token answers 410 Unregistered from now on, stamped with when that happened. */
  unregister(token: string, timestamp = Date.now()): this {
    this.gone.set(token.toLowerCase(), { reason: 'Unregistered', timestamp });
    return this;
  }

  /** The token answers 410 ExpiredToken from now on. */
  expireToken(token: string, timestamp = Date.now()): this {
    this.gone.set(token.toLowerCase(), { reason: 'ExpiredToken', timestamp });
    return this;
  }

  /** The token answers 400 BadDeviceToken from now on. */
  badToken(token: string): this {
    this.badTokens.add(token.toLowerCase());
    return this;
  }

  override reset(): void {
    super.reset();
    this.gone.clear();
    this.badTokens.clear();
  }

  protected async handle(req: Http2ServerRequest, res: Http2ServerResponse): Promise<void> {
    const { body, overflow } = await readBody(req, 8192);
    const header = (name: string) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value.join(',') : value;
    };
    const headers: ApnsRequestHeaders = {
      topic: header('apns-topic'),
      priority: header('apns-priority'),
      pushType: header('apns-push-type'),
      collapseId: header('apns-collapse-id'),
      expiration: header('apns-expiration'),
      apnsId: header('apns-id'),
    };
    for (const key of Object.keys(headers) as (keyof ApnsRequestHeaders)[]) if (headers[key] === undefined) delete headers[key];
    const path = req.url;
    const token = /^\/3\/device\/([^/?]*)/.exec(path)?.[1] ?? '';
    let payload: unknown;
    try {
      payload = body.length > 0 && !overflow ? JSON.parse(body.toString('utf8')) : undefined;
    } catch {
      payload = undefined;
    }
    const responseApnsId = headers.apnsId && uuidPattern.test(headers.apnsId) ? headers.apnsId.toLowerCase() : randomUUID();

    const auth = await this.verifier.check(header('authorization'));
    const verdict = this.judge(req, path, token, headers, auth.ok ? undefined : auth.reason, body, overflow, payload);

    await delay(this.faults.latencyMs);
    this.log.add({
      at: Date.now(),
      method: req.method,
      path,
      token,
      headers,
      ...(payload === undefined ? {} : { payload }),
      payloadBytes: overflow ? Number(req.headers['content-length'] ?? body.length) : body.length,
      ...(auth.ok ? { keyId: auth.keyId, teamId: auth.teamId } : {}),
      status: verdict.status,
      ...(verdict.reason ? { reason: verdict.reason } : {}),
      responseApnsId,
      ...(verdict.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: verdict.retryAfterSeconds }),
      ...(verdict.problem === undefined ? {} : { problem: verdict.problem }),
    });
    this.respond(res, verdict, responseApnsId);
  }

  /** Decides the answer, in the order APNs checks: route, credentials, load, then the notification. */
  private judge(
    req: Http2ServerRequest,
    path: string,
    token: string,
    headers: ApnsRequestHeaders,
    authFailure: ApnsReason | undefined,
    body: Buffer,
    overflow: boolean,
    payload: unknown,
  ): Verdict {
    const refuse = (reason: ApnsReason, extra: Partial<Verdict> = {}): Verdict => ({ status: apnsReasons[reason].status, reason, ...extra });

    if (!/^\/3\/device\//.test(path)) return refuse('BadPath');
    if (req.method !== 'POST') return refuse('MethodNotAllowed');
    if (!token) return refuse('MissingDeviceToken');
    if (authFailure) return refuse(authFailure);

    const fault = this.faults.take();
    const retryAfter = fault && 'retryAfterSeconds' in fault && fault.retryAfterSeconds !== undefined ? { retryAfterSeconds: fault.retryAfterSeconds } : {};
    if (fault?.kind === 'throttle') return refuse('TooManyRequests', retryAfter);
    if (fault?.kind === 'fail') return refuse(fault.status === 503 ? 'ServiceUnavailable' : 'InternalServerError', retryAfter);
    if (fault?.kind === 'reply') return refuse(fault.code, apnsReasons[fault.code].status === 410 ? { timestamp: Date.now() } : {});

    if (hasDuplicates(req.rawHeaders)) return refuse('DuplicateHeaders');
    if (!headers.topic) return refuse('MissingTopic');
    if (this.options.topics && !this.options.topics.includes(headers.topic.replace(LIVE_ACTIVITY_TOPIC_SUFFIX, ''))) return refuse('TopicDisallowed');
    if (headers.pushType !== undefined && !pushTypes.has(headers.pushType)) return refuse('InvalidPushType');
    if (headers.priority !== undefined && !['1', '5', '10'].includes(headers.priority)) return refuse('BadPriority');
    if (headers.expiration !== undefined && !/^\d+$/.test(headers.expiration)) return refuse('BadExpirationDate');
    if (headers.apnsId !== undefined && !uuidPattern.test(headers.apnsId)) return refuse('BadMessageId');
    if (headers.collapseId !== undefined && Buffer.byteLength(headers.collapseId) > 64) return refuse('BadCollapseId');
    const activityHeaders = liveActivityHeaderProblem(headers);
    if (activityHeaders) return refuse(activityHeaders.reason, { problem: activityHeaders.problem });
    if (!tokenPattern.test(token) || this.badTokens.has(token.toLowerCase())) return refuse('BadDeviceToken');

    const limit = headers.pushType === 'voip' ? 5120 : 4096;
    if (overflow || body.length > limit) return refuse('PayloadTooLarge');
    // Apple documents no reason for a body that is not a JSON object; PayloadEmpty is the closest.
    if (body.length === 0 || typeof payload !== 'object' || payload === null || Array.isArray(payload)) return refuse('PayloadEmpty');
    const activityPayload = headers.pushType === 'liveactivity' ? liveActivityPayloadProblem(payload) : undefined;
    if (activityPayload) return refuse(activityPayload.reason, { problem: activityPayload.problem });

    const gone = this.gone.get(token.toLowerCase());
    if (gone) return refuse(gone.reason, { timestamp: gone.timestamp });
    return { status: 200 };
  }

  private respond(res: Http2ServerResponse, verdict: Verdict, apnsId: string): void {
    if (res.destroyed || res.headersSent) return;
    const headers: Record<string, string> = { 'apns-id': apnsId };
    if (this.options.environment !== 'production') headers['apns-unique-id'] = randomUUID();
    if (verdict.retryAfterSeconds !== undefined) headers['retry-after'] = String(verdict.retryAfterSeconds);
    if (!verdict.reason) {
      res.writeHead(verdict.status, headers).end();
      return;
    }
    const body: ApnsErrorBody = { reason: verdict.reason, ...(verdict.timestamp === undefined ? {} : { timestamp: verdict.timestamp }) };
    res.writeHead(verdict.status, { ...headers, 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
  }
}

function hasDuplicates(rawHeaders: string[]): boolean {
  const seen = new Set<string>();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if (!apnsHeaderNames.includes(name)) continue;
    if (seen.has(name)) return true;
    seen.add(name);
  }
  return false;
}
