import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { FaultPlan, type FailStatus } from './faults';
import { ReceivedLog } from './received-log';
import { listenSecure, type SecureServer } from './secure-server';
import { generateSelfSigned, type SelfSignedIdentity } from './self-signed';

/**
 * What both emulators share: a TLS server on loopback with its own certificate, the fault
 * switches, and the record of what arrived. Each provider adds its protocol in `handle`.
 */
export abstract class ProviderEmulator<Code extends string, Received> {
  readonly address = '127.0.0.1';
  protected readonly faults = new FaultPlan<Code>();
  protected readonly log: ReceivedLog<Received>;
  private readonly identity: SelfSignedIdentity;
  private server: SecureServer | undefined;

  protected constructor(
    private readonly setup: { name: string; dnsNames: string[]; allowHTTP1: boolean; recordLimit?: number | undefined },
  ) {
    this.identity = generateSelfSigned({ commonName: setup.name, dnsNames: setup.dnsNames, ipAddresses: ['127.0.0.1'] });
    this.log = new ReceivedLog(setup.recordLimit);
  }

  /** The PEM certificate to trust (node-apn's `ca` option, the harness's CA). */
  get ca(): string {
    return this.identity.cert;
  }

  get port(): number {
    if (!this.server) throw new Error(`the ${this.setup.name} is not started`);
    return this.server.port;
  }

  /** Every request since the last reset (the latest `recordLimit` of them), in arrival order. */
  get received(): readonly Received[] {
    return this.log.all;
  }

  /** TLS connections accepted since the start (each HTTP/2 session a client opened). */
  get connectionsAccepted(): number {
    return this.server?.connectionsAccepted ?? 0;
  }

  /** How many requests arrived since the last reset. */
  get receivedCount(): number {
    return this.log.total;
  }

  async start({ port }: { port?: number } = {}): Promise<this> {
    if (this.server) return this;
    this.server = await listenSecure({
      identity: this.identity,
      allowHTTP1: this.setup.allowHTTP1,
      ...(port === undefined ? {} : { port }),
      handler: (req, res) => void this.handle(req, res).catch(() => res.destroy()),
    });
    return this;
  }

  async stop(): Promise<void> {
    this.log.abort(`the ${this.setup.name} stopped`);
    await this.server?.close();
    this.server = undefined;
  }

  /** The next `count` requests are throttled (429), with `retry-after` when given. */
  throttle(count: number, retryAfterSeconds?: number): this {
    this.faults.throttle(count, retryAfterSeconds);
    return this;
  }

  /** The next `count` requests fail with 500 or 503, with `retry-after` when given. */
  fail(count: number, status: FailStatus = 500, retryAfterSeconds?: number): this {
    this.faults.fail(count, status, retryAfterSeconds);
    return this;
  }

  /** The next `count` requests get this protocol error (an APNs reason, an FCM error code). */
  replyWith(code: Code, count = 1): this {
    this.faults.reply(count, code);
    return this;
  }

  /** Every answer waits this long first. */
  latency(ms: number): this {
    this.faults.setLatency(ms);
    return this;
  }

  /**
   * Resolves once `count` requests have arrived since the last reset.
   * @example await apns.waitForReceived(3);
   */
  waitForReceived(count: number, options?: { timeoutMs?: number }): Promise<readonly Received[]> {
    return this.log.waitFor(count, options);
  }

  /** Clears the record and every switch. */
  reset(): void {
    this.log.clear();
    this.faults.reset();
  }

  protected abstract handle(req: Http2ServerRequest, res: Http2ServerResponse): Promise<void>;
}
