import type { ClientNotification, InboxStateName, UpdatedNotification } from '@notify/contracts';
import { LocalInbox } from './local-inbox';
import { backoffDelay, defaultBackoff, type BackoffOptions } from './backoff';
import { memoryCursorStore, type CursorStore } from './cursor-store';
import { NotifyError } from './errors';
import { requestStreamTicket } from './stream-ticket';

/** What NotifyStream needs of an EventSource: the browser's, or in Node the `eventsource` package's. */
export interface EventSourceLike {
  addEventListener(type: string, listener: (event: { data?: string }) => void): void;
  close(): void;
}
export type EventSourceConstructor = new (url: string) => EventSourceLike;

export interface NotifyStreamOptions {
  /** The gateway's base URL, e.g. https://notify.example.com */
  url: string;
  /** The user's JWT, or a function that returns a fresh one (called for every ticket). */
  token: string | (() => string | Promise<string>);
  device?: string;
  cursorStore?: CursorStore;
  reconnect?: Partial<BackoffOptions>;
  /** The EventSource to use; the global one (browsers) by default. */
  EventSource?: EventSourceConstructor;
  fetch?: typeof fetch;
}

export interface NotifyStreamEvents {
  notification: (notification: ClientNotification) => void;
  /** A notification that replaces an unread one (`supersedes`); see NotifyClientEvents. */
  updated: (notification: UpdatedNotification) => void;
  unread: (count: number) => void;
  state: (update: { notificationId: string; state: InboxStateName }) => void;
  connected: () => void;
  disconnected: (reason: string) => void;
  error: (error: NotifyError) => void;
}

type Listeners = { [E in keyof NotifyStreamEvents]: Set<NotifyStreamEvents[E]> };

/**
 * The SSE transport for clients that cannot hold a WebSocket. Every (re)connect trades the token for a
 * fresh single-use ticket (the token never goes in a URL) and opens the stream after the cursor, so a
 * reconnect misses nothing and repeats nothing. EventSource's own reconnect would present a used
 * ticket, so the stream reconnects itself: with backoff after a drop, when told after a drain, at once
 * (with a fresh token) when the token expired.
 */
export class NotifyStream {
  private readonly listeners: Listeners = { notification: new Set(), updated: new Set(), unread: new Set(), state: new Set(), connected: new Set(), disconnected: new Set(), error: new Set() };
  private readonly cursorStore: CursorStore;
  private readonly backoff: BackoffOptions;
  private source: EventSourceLike | undefined;
  private cursorValue: number | undefined;
  private cursorLoaded = false;
  private readonly view = new LocalInbox();
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private attempts = 0;
  private closed = true;
  private isOpen = false;

  constructor(private readonly options: NotifyStreamOptions) {
    this.cursorStore = options.cursorStore ?? memoryCursorStore();
    this.backoff = { ...defaultBackoff, ...options.reconnect };
  }

  on<E extends keyof NotifyStreamEvents>(event: E, listener: NotifyStreamEvents[E]): () => void {
    (this.listeners[event] as Set<NotifyStreamEvents[E]>).add(listener);
    return () => (this.listeners[event] as Set<NotifyStreamEvents[E]>).delete(listener);
  }

  /** Opens the stream; resolves once it is open, rejects with the gateway's reason if the first attempt fails. */
  connect(): Promise<void> {
    this.closed = false;
    return new Promise((resolve, reject) => {
      const offConnected = this.on('connected', () => {
        offConnected();
        offError();
        resolve();
      });
      const offError = this.on('error', (err) => {
        offConnected();
        offError();
        reject(err);
      });
      void this.open();
    });
  }

  get connected(): boolean {
    return this.isOpen;
  }

  get cursor(): number | undefined {
    return this.cursorValue;
  }

  /** The notifications received while this stream ran, as they are now, oldest first (see NotifyClient). */
  get notifications(): ClientNotification[] {
    return this.view.list();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.drop('closed by the client');
  }

  private async open(): Promise<void> {
    try {
      if (!this.cursorLoaded) {
        this.cursorValue ??= await this.cursorStore.load();
        this.cursorLoaded = true;
      }
      const token = typeof this.options.token === 'string' ? this.options.token : await this.options.token();
      const { streamUrl } = await requestStreamTicket(this.options.url, token, { lastEventId: this.cursorValue, device: this.options.device, ...(this.options.fetch ? { fetch: this.options.fetch } : {}) });
      if (this.closed) return;
      const EventSourceImpl = this.options.EventSource ?? (globalThis as { EventSource?: EventSourceConstructor }).EventSource;
      if (!EventSourceImpl) throw new NotifyError('no EventSource here: pass one as the EventSource option');
      this.listen(new EventSourceImpl(streamUrl));
    } catch (err) {
      const error = err instanceof NotifyError ? err : new NotifyError((err as Error).message);
      this.fail(error);
      // A token that is refused stays refused; anything else (a cap, a gateway away) is tried again.
      const final = error.code === 'NOTIFY_ERR_UNAUTHENTICATED' && typeof this.options.token === 'string';
      if (!final) this.retry(Math.max(error.retryAfterMs ?? 0, backoffDelay(this.attempts++, this.backoff)));
    }
  }

  private listen(source: EventSourceLike): void {
    this.source = source;
    const data = <T>(event: { data?: string }) => JSON.parse(event.data ?? 'null') as T;
    source.addEventListener('open', () => {
      this.attempts = 0;
      this.isOpen = true;
      this.listeners.connected.forEach((l) => l());
    });
    source.addEventListener('notification', (event) => this.receive(data<ClientNotification>(event)));
    source.addEventListener('updated', (event) => this.receive(data<ClientNotification>(event)));
    source.addEventListener('cursor', (event) => {
      if (this.cursorValue !== undefined) return;
      this.cursorValue = data<{ seq: number }>(event).seq;
      void Promise.resolve(this.cursorStore.save(this.cursorValue)).catch((err: Error) => this.fail(new NotifyError(err.message)));
    });
    source.addEventListener('unread', (event) => this.listeners.unread.forEach((l) => l(data<{ count: number }>(event).count)));
    source.addEventListener('state', (event) => {
      const update = data<{ notificationId: string; state: InboxStateName }>(event);
      this.view.setState(update.notificationId, update.state);
      this.listeners.state.forEach((l) => l(update));
    });
    // Come back when told: the gateway is spreading its clients over its drain window.
    source.addEventListener('drain', (event) => this.reconnect('drain', data<{ reconnectAfterMs: number }>(event).reconnectAfterMs));
    source.addEventListener('expired', () => this.reconnect('token expired', 0));
    source.addEventListener('error', (event) => {
      if (this.source !== source) return;
      const { message, code } = event as { message?: string; code?: number };
      this.fail(new NotifyError(message ? `stream failed: ${message}` : 'stream failed', undefined, undefined, code));
      this.reconnect('stream failed', backoffDelay(this.attempts++, this.backoff));
    });
  }

  private receive(notification: ClientNotification): void {
    if (this.cursorValue !== undefined && notification.seq <= this.cursorValue) return;
    this.cursorValue = notification.seq;
    void Promise.resolve(this.cursorStore.save(notification.seq)).catch((err: Error) => this.fail(new NotifyError(err.message)));
    this.view.add(notification);
    const { supersedes } = notification;
    if (supersedes === undefined) this.listeners.notification.forEach((l) => l(notification));
    else this.listeners.updated.forEach((l) => l({ ...notification, supersedes }));
  }

  private reconnect(reason: string, afterMs: number): void {
    this.drop(reason);
    if (!this.closed) this.retry(afterMs);
  }

  /** Closes the current EventSource before it retries with its used ticket. */
  private drop(reason: string): void {
    const source = this.source;
    if (!source) return;
    this.source = undefined;
    this.isOpen = false;
    source.close();
    this.listeners.disconnected.forEach((l) => l(reason));
  }

  private retry(delayMs: number): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (!this.closed) void this.open();
    }, delayMs);
  }

  private fail(error: NotifyError): void {
    this.listeners.error.forEach((l) => l(error));
  }
}
