import { io, type Socket } from 'socket.io-client';
import type { ClientNotification, ClientToServerEvents, InboxStateName, NotificationIds, RequestResult, ServerToClientEvents, UpdatedNotification } from '@notify/contracts';
import { backoffDelay, defaultBackoff, type BackoffOptions } from './backoff';
import { memoryCursorStore, type CursorStore } from './cursor-store';
import { registerDevice, unregisterDevice, type DeviceRegistered, type DeviceRegistration } from './devices';
import { fromConnectError } from './errors';
import { LocalInbox } from './local-inbox';

export interface NotifyClientOptions {
  /** The gateway's base URL, e.g. https://notify.example.com */
  url: string;
  /** The user's JWT, or a function that returns a fresh one (called on every connect). */
  token: string | (() => string | Promise<string>);
  /** The push service's base URL, for registerDevice/unregisterDevice (default: `url`, when one address serves both). */
  pushUrl?: string;
  /** Stable per installation: presence counts devices, not sockets. */
  device?: string;
  cursorStore?: CursorStore;
  /** socket.io transports, WebSocket first by default; `['polling']` forces long-polling. */
  transports?: Array<'websocket' | 'polling'>;
  /** Acknowledge each notification as delivered when it arrives (default true); acks are batched. */
  autoAck?: boolean;
  reconnect?: Partial<BackoffOptions>;
}

export interface NotifyClientEvents {
  notification: (notification: ClientNotification) => void;
  /**
   * A notification that replaces one the user has not read (same collapse key): show it in place of
   * `supersedes` ("your driver is 3 minutes away" instead of "5 minutes away"). It is acknowledged
   * like any notification; `notifications` already shows it in that one's place.
   */
  updated: (notification: UpdatedNotification) => void;
  unread: (count: number) => void;
  state: (update: { notificationId: string; state: InboxStateName }) => void;
  connected: () => void;
  disconnected: (reason: string) => void;
  /**
   * The gateway refused or lost us; the client keeps retrying unless the token was refused and is fixed.
   * A refusal by a cap is a NotifyError whose `code` says which (NOTIFY_ERR_TOO_MANY_CONNECTIONS,
   * NOTIFY_ERR_RATE_LIMITED with `retryAfterMs`).
   */
  error: (error: Error) => void;
}

type Listeners = { [E in keyof NotifyClientEvents]: Set<NotifyClientEvents[E]> };

/** Acks waiting to be sent are kept up to this many (the oldest go first beyond it). */
const MAX_PENDING_ACKS = 5000;
/** An ack batch the gateway has not answered within this is sent again. */
const ACK_TIMEOUT_MS = 10_000;
/** How often one ack batch is tried before it is given up (reported as an error). */
const ACK_ATTEMPTS = 6;
const ackRetry: BackoffOptions = { initialDelayMs: 500, maxDelayMs: 8000, jitter: 0.5 };

/**
 * A small typed client over socket.io-client. It resumes from its cursor on every (re)connect, so
 * nothing is missed and nothing is shown twice; follows the gateway's drain advice; and reconnects with
 * exponential backoff and jitter.
 */
export class NotifyClient {
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private readonly listeners: Listeners = { notification: new Set(), updated: new Set(), unread: new Set(), state: new Set(), connected: new Set(), disconnected: new Set(), error: new Set() };
  private readonly cursorStore: CursorStore;
  private readonly backoff: BackoffOptions;
  private cursorValue: number | undefined;
  private cursorLoaded = false;
  private readonly view = new LocalInbox();
  private pendingAcks: string[] = [];
  /** Failed ack batches waiting for their retry, with the attempts they have had. */
  private retryingAcks: Array<{ ids: string[]; attempts: number }> = [];
  private ackTimer: ReturnType<typeof setTimeout> | undefined;
  private ackRetryTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private drainAdvice: number | undefined;
  private attempts = 0;
  private closed = false;

  constructor(private readonly options: NotifyClientOptions) {
    this.cursorStore = options.cursorStore ?? memoryCursorStore();
    this.backoff = { ...defaultBackoff, ...options.reconnect };
    this.socket = io(options.url, {
      autoConnect: false,
      transports: options.transports ?? ['websocket', 'polling'],
      reconnectionDelay: this.backoff.initialDelayMs,
      reconnectionDelayMax: this.backoff.maxDelayMs,
      randomizationFactor: this.backoff.jitter,
      // Evaluated on every connect and reconnect, so the gateway always resumes from the latest cursor.
      auth: (send) => {
        void this.handshake().then(send, (err: Error) => this.fail(err));
      },
    });
    this.socket.on('notification', (n) => this.receive(n));
    this.socket.on('updated', (n) => this.receive(n));
    this.socket.on('cursor', ({ seq }) => {
      if (this.cursorValue !== undefined) return;
      this.cursorValue = seq;
      void Promise.resolve(this.cursorStore.save(seq)).catch((err: Error) => this.fail(err));
    });
    this.socket.on('unread', ({ count }) => this.listeners.unread.forEach((l) => l(count)));
    this.socket.on('state', (update) => {
      this.view.setState(update.notificationId, update.state);
      this.listeners.state.forEach((l) => l(update));
    });
    this.socket.on('drain', ({ reconnectAfterMs }) => {
      // Come back when told, not on socket.io's own schedule: the gateway is spreading its clients out.
      this.drainAdvice = reconnectAfterMs;
      this.socket.io.reconnection(false);
    });
    this.socket.on('connect', () => {
      this.attempts = 0;
      // Acks taken while disconnected, or of a batch that failed, go out now.
      this.flushAcks();
      this.retryAcks();
      this.listeners.connected.forEach((l) => l());
    });
    this.socket.on('disconnect', (reason) => {
      this.flushAcks();
      this.listeners.disconnected.forEach((l) => l(reason));
      if (this.closed) return;
      if (this.drainAdvice !== undefined) this.retry(this.drainAdvice);
      // socket.io does not come back by itself after a server-side disconnect; we do, with backoff.
      else if (reason === 'io server disconnect') this.retry(backoffDelay(this.attempts++, this.backoff));
    });
    this.socket.on('connect_error', (err) => {
      const error = fromConnectError(err);
      this.fail(error);
      // A refusal by the gateway (bad token, draining, a cap) is final for socket.io; transport errors it retries itself.
      if (!this.socket.active && !this.closed) {
        const refusedToken = err.message.startsWith('unauthorized') && typeof options.token === 'string';
        if (!refusedToken) this.retry(Math.max(error.retryAfterMs ?? 0, backoffDelay(this.attempts++, this.backoff)));
      }
    });
  }

  on<E extends keyof NotifyClientEvents>(event: E, listener: NotifyClientEvents[E]): () => void {
    (this.listeners[event] as Set<NotifyClientEvents[E]>).add(listener);
    return () => (this.listeners[event] as Set<NotifyClientEvents[E]>).delete(listener);
  }

  /** Connects; resolves once connected, rejects with the gateway's reason if the first attempt is refused. */
  connect(): Promise<void> {
    this.closed = false;
    return new Promise((resolve, reject) => {
      const done = () => {
        offConnect();
        offError();
      };
      const offConnect = this.on('connected', () => {
        done();
        resolve();
      });
      const offError = this.on('error', (err) => {
        done();
        reject(err);
      });
      this.socket.connect();
    });
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** The highest seq received: what a reconnect resumes after. */
  get cursor(): number | undefined {
    return this.cursorValue;
  }

  /**
   * The notifications received while this client ran, as they are now, oldest first (the latest
   * 500): a replacement in place of what it replaced, states from every device applied. The inbox
   * API has the full history.
   */
  get notifications(): ClientNotification[] {
    return this.view.list();
  }

  get transport(): string | undefined {
    return this.socket.io.engine?.transport.name;
  }

  /**
   * Registers this device's push token (APNs, FCM, web push) for the signed-in user on the push
   * service, with the token the client connects with. Call it at sign-in and whenever the OS hands
   * the app a new push token.
   *
   * @example
   *   await client.registerDevice(fcmToken, { platform: 'android', appId: 'com.example.app', locale: 'fr-FR' });
   */
  async registerDevice(deviceToken: string, registration: DeviceRegistration): Promise<DeviceRegistered> {
    return registerDevice(this.options.pushUrl ?? this.options.url, await this.userToken(), deviceToken, registration);
  }

  /** Removes this device's push token from the signed-in user (on logout); false when it was not registered. */
  async unregisterDevice(deviceToken: string): Promise<boolean> {
    return unregisterDevice(this.options.pushUrl ?? this.options.url, await this.userToken(), deviceToken);
  }

  ack(notificationIds: string[]): Promise<number> {
    return this.request('ack', { notificationIds });
  }

  seen(notificationIds: string[]): Promise<number> {
    return this.request('seen', { notificationIds });
  }

  async read(notificationIds: string[]): Promise<number> {
    const updated = await this.request('read', { notificationIds });
    for (const id of notificationIds) this.view.setState(id, 'read');
    return updated;
  }

  async readAll(): Promise<number> {
    const updated = await this.request('read', { all: true });
    this.view.readAll();
    return updated;
  }

  async archive(notificationIds: string[]): Promise<number> {
    const updated = await this.request('archive', { notificationIds });
    for (const id of notificationIds) this.view.setState(id, 'archived');
    return updated;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.ackRetryTimer);
    this.flushAcks();
    this.socket.disconnect();
  }

  private async handshake(): Promise<Record<string, unknown>> {
    if (!this.cursorLoaded) {
      this.cursorValue ??= await this.cursorStore.load();
      this.cursorLoaded = true;
    }
    const token = await this.userToken();
    return { token, ...(this.cursorValue === undefined ? {} : { cursor: this.cursorValue }), ...(this.options.device ? { device: this.options.device } : {}) };
  }

  private async userToken(): Promise<string> {
    return typeof this.options.token === 'string' ? this.options.token : this.options.token();
  }

  private receive(notification: ClientNotification): void {
    // The gateway sends each seq once per connection; this guards a replay across a reconnect race.
    if (this.cursorValue !== undefined && notification.seq <= this.cursorValue) return;
    this.cursorValue = notification.seq;
    void Promise.resolve(this.cursorStore.save(notification.seq)).catch((err: Error) => this.fail(err));
    if (this.options.autoAck !== false) this.queueAck(notification.notificationId);
    this.view.add(notification);
    const { supersedes } = notification;
    if (supersedes === undefined) this.listeners.notification.forEach((l) => l(notification));
    else this.listeners.updated.forEach((l) => l({ ...notification, supersedes }));
  }

  private queueAck(notificationId: string): void {
    this.pendingAcks.push(notificationId);
    if (this.pendingAcks.length > MAX_PENDING_ACKS) this.pendingAcks.splice(0, this.pendingAcks.length - MAX_PENDING_ACKS);
    if (this.pendingAcks.length >= 100) this.flushAcks();
    else this.ackTimer ??= setTimeout(() => this.flushAcks(), 20);
  }

  private flushAcks(): void {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    if (!this.socket.connected) return;
    while (this.pendingAcks.length > 0) this.sendAcks({ ids: this.pendingAcks.splice(0, 100), attempts: 0 });
  }

  /**
   * An ack batch is kept until the gateway says it took it: refused, unanswered or cut off by a
   * disconnect, it is sent again with backoff (acks are idempotent), so an acknowledged notification
   * does not end up pushed as an unacknowledged one.
   */
  private sendAcks(batch: { ids: string[]; attempts: number }): void {
    const again = (error: Error) => {
      if (this.closed) return;
      if (++batch.attempts >= ACK_ATTEMPTS) return this.fail(new Error(`ack given up after ${batch.attempts} attempts: ${error.message}`));
      this.fail(error);
      this.retryingAcks.push(batch);
      this.ackRetryTimer ??= setTimeout(() => this.retryAcks(), backoffDelay(batch.attempts - 1, ackRetry));
    };
    this.socket.timeout(ACK_TIMEOUT_MS).emit('ack', { notificationIds: batch.ids }, (err: Error | null, result: RequestResult<{ updated: number }>) => {
      if (err) again(err);
      else if (!result.ok) again(new Error(`ack refused: ${result.error}`));
    });
  }

  private retryAcks(): void {
    clearTimeout(this.ackRetryTimer);
    this.ackRetryTimer = undefined;
    if (this.closed || !this.socket.connected) return;
    for (const batch of this.retryingAcks.splice(0)) this.sendAcks(batch);
  }

  private request(event: 'ack' | 'seen' | 'read' | 'archive', body: NotificationIds | { all: true }): Promise<number> {
    return new Promise((resolve, reject) => {
      const answer = (result: RequestResult<{ updated: number }>) => (result.ok ? resolve(result.updated) : reject(new Error(result.error)));
      // socket.io buffers emits while disconnected; the timeout keeps a caller from waiting forever.
      this.socket.timeout(10_000).emit(event as 'read', body as NotificationIds, (err: Error | null, result: RequestResult<{ updated: number }>) => (err ? reject(err) : answer(result)));
    });
  }

  private retry(delayMs: number): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.drainAdvice = undefined;
      this.socket.io.reconnection(true);
      if (!this.closed && !this.socket.connected) this.socket.connect();
    }, delayMs);
  }

  private fail(error: Error): void {
    this.listeners.error.forEach((l) => l(error));
  }
}
