import { SignJWT } from 'jose';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { NotifyClient, memoryCursorStore } from '@notify/client';
import { sleep } from '@notify/testing';
import type { Ledger } from './ledger';
import { jwtSecret, producerHeaders, type Deployment } from './deployment';

export interface LoadOptions {
  onlineUsers: number;
  offlineUsers: number;
  /** Transactional events a second, spread over every user in turn. */
  rate: number;
}

const userToken = (userId: string) => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setExpirationTime('2h').sign(new TextEncoder().encode(jwtSecret));
const phoneOf = (userId: string) => Buffer.from(`chaos-phone-${userId}`.padEnd(32, '.')).toString('hex').slice(0, 64);

/**
 * The outside world: users online on the socket.io client SDK (which reconnects and catches up as
 * an app does), users offline with only a phone, and a product team's plain kafkajs producer writing
 * one event at a time to `notify.events`. Everything that is acknowledged by Kafka, and everything
 * that reaches a client or a phone, is written down in the ledger.
 */
export class Load {
  /** The phase events are currently attributed to. */
  phase = 'baseline';
  private readonly clients: NotifyClient[] = [];
  private readonly users: string[] = [];
  private readonly userOfPhone = new Map<string, string>();
  private producer: Producer | undefined;
  private writing: Promise<void> | undefined;
  private running = false;
  private pushPoller: NodeJS.Timeout | undefined;
  private pushesSeen = 0;
  private sequence = 0;
  /** Sends that failed and were retried with the same ids (the broker was away). */
  retriedSends = 0;

  constructor(
    private readonly deployment: Deployment,
    private readonly ledger: Ledger,
    private readonly options: LoadOptions,
  ) {}

  async prepare(): Promise<void> {
    const online = Array.from({ length: this.options.onlineUsers }, (_, i) => `online-${i}`);
    const offline = Array.from({ length: this.options.offlineUsers }, (_, i) => `offline-${i}`);
    this.users.push(...online, ...offline);
    // Every user has a phone: an offline user is reached there, an online one if a fallback fires.
    for (const userId of this.users) {
      const phone = phoneOf(userId);
      this.userOfPhone.set(phone, userId);
      const response = await fetch(`${this.deployment.urls.push}/v1/users/${userId}/devices/${phone}`, { method: 'PUT', headers: producerHeaders, body: JSON.stringify({ platform: 'ios', appId: 'com.example.chaos' }) });
      if (response.status >= 300) throw new Error(`registering ${userId}'s phone: ${response.status} ${await response.text()}`);
    }
    await Promise.all(
      online.map(async (userId) => {
        const client = new NotifyClient({ url: this.deployment.urls.gateway, token: () => userToken(userId), device: `${userId}-app`, transports: ['websocket'], cursorStore: memoryCursorStore(), reconnect: { initialDelayMs: 200, maxDelayMs: 2000 } });
        client.on('notification', (n) => this.ledger.recordInApp(n.notificationId.slice(0, -(userId.length + 1)), Date.now()));
        this.clients.push(client);
        await client.connect();
      }),
    );
    await this.waitOnline(online);
    this.producer = new Kafka({ clientId: 'chaos-product', brokers: this.deployment.brokers, logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 200 } }).producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    this.pushPoller = setInterval(() => this.collectPushes(), 200);
  }

  /** Starts writing `rate` events a second until `pause`. */
  resume(): void {
    if (this.running) return;
    this.running = true;
    this.writing = this.writeLoop();
  }

  async pause(): Promise<void> {
    this.running = false;
    await this.writing;
  }

  async close(): Promise<void> {
    await this.pause();
    clearInterval(this.pushPoller);
    this.collectPushes();
    for (const client of this.clients) client.close();
    await this.producer?.disconnect();
  }

  private async writeLoop(): Promise<void> {
    const intervalMs = 100;
    const perTick = this.options.rate / (1000 / intervalMs);
    let owed = 0;
    while (this.running) {
      const tickStarted = Date.now();
      owed += perTick;
      const count = Math.floor(owed);
      owed -= count;
      if (count > 0) await this.send(count);
      await sleep(Math.max(0, tickStarted + intervalMs - Date.now()));
    }
  }

  /** Writes `count` events; while the broker is away, the same events again until Kafka takes them. */
  private async send(count: number): Promise<void> {
    const phase = this.phase;
    const events = Array.from({ length: count }, () => {
      const n = ++this.sequence;
      const userId = this.users[n % this.users.length]!;
      return { eventId: `chaos-${n}`, userId };
    });
    const messages = events.map(({ eventId, userId }) => ({
      key: userId,
      value: JSON.stringify({ version: 1, id: eventId, type: 'chaos.check', to: { userId }, priority: 'transactional', payload: { title: `check ${eventId}`, body: 'Chaos suite' }, createdAt: new Date().toISOString() }),
    }));
    for (;;) {
      try {
        await this.producer!.send({ topic: `${this.deployment.prefix}.notify.events`, messages, acks: -1 });
        break;
      } catch {
        this.retriedSends++;
        await sleep(500);
      }
    }
    const sentAt = Date.now();
    for (const { eventId, userId } of events) this.ledger.recordSent({ eventId, userId, phase, sentAt });
  }

  private collectPushes(): void {
    const received = this.deployment.apns.received;
    for (const record of received.slice(this.pushesSeen)) {
      const notificationId = (record.payload as { notificationId?: string } | undefined)?.notificationId;
      const userId = this.userOfPhone.get(record.token);
      if (record.status === 200 && notificationId && userId) this.ledger.recordPushed(notificationId.slice(0, -(userId.length + 1)), record.at);
    }
    this.pushesSeen = received.length;
  }

  private async waitOnline(userIds: string[]): Promise<void> {
    for (let attempt = 0; attempt < 300; attempt++) {
      const response = await fetch(`${this.deployment.urls.presence}/v1/presence/query`, { method: 'POST', headers: producerHeaders, body: JSON.stringify({ userIds }) });
      if (response.ok) {
        const { users } = (await response.json()) as { users: Array<{ online: boolean }> };
        if (users.filter((u) => u.online).length === userIds.length) {
          await sleep(1000); // and the router's view hears it from presence.state
          return;
        }
      }
      await sleep(100);
    }
    throw new Error('the online users did not all show online within 30 s');
  }
}
