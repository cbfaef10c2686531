import type { Connection } from 'mongoose';
import { connectMongo, connectionOptions, pingMongo, type ConnectOptions } from './connection';
import { watchConnection, type ConnectionWatchdog } from './connection-watchdog';
import { detectServer, ensureExpiryIndex, type ExpiryIndex, type ServerKind } from './expiry-indexes';
import { MemoryDeadLetterActionRepository } from './dead-letters/dead-letter-action.memory';
import { MongoDeadLetterActionRepository } from './dead-letters/dead-letter-action.mongo';
import type { DeadLetterActionRepository } from './dead-letters/dead-letter-action.types';
import { MemoryDeliveryLogRepository } from './delivery-log/delivery-log.memory';
import { MongoDeliveryLogRepository } from './delivery-log/delivery-log.mongo';
import type { DeliveryLogRepository } from './delivery-log/delivery-log.types';
import { MemoryDeviceRepository } from './devices/device.memory';
import { MongoDeviceRepository } from './devices/device.mongo';
import type { DeviceRepository } from './devices/device.types';
import { MemoryDigestRepository } from './digests/digest.memory';
import { MongoDigestRepository } from './digests/digest.mongo';
import type { DigestRepository } from './digests/digest.types';
import { MemoryIdempotencyRepository } from './idempotency/idempotency.memory';
import { MongoIdempotencyRepository, TAKEOVER_MARKER_TTL_MS } from './idempotency/idempotency.mongo';
import type { IdempotencyRepository } from './idempotency/idempotency.types';
import { MemoryTopicRepository } from './topics/topic.memory';
import { MongoTopicRepository } from './topics/topic.mongo';
import type { TopicRepository } from './topics/topic.types';
import { MemoryInboxRepository } from './inbox/inbox.memory';
import { MongoInboxRepository } from './inbox/inbox.mongo';
import type { InboxRepository } from './inbox/inbox.types';
import { MemoryPreferencesRepository } from './preferences/preferences.memory';
import { MongoPreferencesRepository } from './preferences/preferences.mongo';
import type { PreferencesRepository } from './preferences/preferences.types';
import { MemoryRuleRepository } from './rules/rule.memory';
import { MongoRuleRepository } from './rules/rule.mongo';
import type { RuleRepository } from './rules/rule.types';
import { MemorySendTimeRepository } from './send-times/send-time.memory';
import { MongoSendTimeRepository } from './send-times/send-time.mongo';
import type { SendTimeRepository } from './send-times/send-time.types';
import { MemoryWebhookRepository } from './webhooks/webhook.memory';
import { MongoWebhookRepository } from './webhooks/webhook.mongo';
import type { WebhookRepository } from './webhooks/webhook.types';
import { MemoryBudgetRepository } from './budgets/budget.memory';
import { MongoBudgetRepository } from './budgets/budget.mongo';
import type { BudgetRepository } from './budgets/budget.types';
import { MemoryEscalationRepository } from './escalations/escalation.memory';
import { MongoEscalationRepository } from './escalations/escalation.mongo';
import type { EscalationRepository } from './escalations/escalation.types';

/** Every collection the services use, behind one repository each. */
export interface Store {
  readonly kind: 'mongo' | 'memory';
  readonly devices: DeviceRepository;
  readonly inbox: InboxRepository;
  readonly preferences: PreferencesRepository;
  readonly rules: RuleRepository;
  readonly digests: DigestRepository;
  readonly deliveryLog: DeliveryLogRepository;
  readonly idempotency: IdempotencyRepository;
  readonly topics: TopicRepository;
  readonly deadLetterActions: DeadLetterActionRepository;
  readonly webhooks: WebhookRepository;
  readonly escalations: EscalationRepository;
  readonly sendTimes: SendTimeRepository;
  readonly budgets: BudgetRepository;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface MongoStore extends Store {
  readonly kind: 'mongo';
  readonly connection: Connection;
  /** FerretDB has no TTL indexes: there the retention sweeps alone delete expired rows. */
  readonly server: ServerKind;
  readonly rules: MongoRuleRepository;
}

/** Connects (retrying while the server starts) and makes sure every index exists before returning. */
export async function createMongoStore(options: ConnectOptions): Promise<MongoStore> {
  const connection = await connectMongo(options);
  const server = await detectServer(connection).catch(async (err: unknown) => {
    await connection.close().catch(() => undefined);
    throw err;
  });
  const store: MongoStore = {
    kind: 'mongo',
    connection,
    server,
    devices: new MongoDeviceRepository(connection),
    inbox: new MongoInboxRepository(connection),
    preferences: new MongoPreferencesRepository(connection),
    rules: new MongoRuleRepository(connection),
    digests: new MongoDigestRepository(connection),
    deliveryLog: new MongoDeliveryLogRepository(connection),
    idempotency: new MongoIdempotencyRepository(connection),
    topics: new MongoTopicRepository(connection),
    deadLetterActions: new MongoDeadLetterActionRepository(connection),
    webhooks: new MongoWebhookRepository(connection),
    escalations: new MongoEscalationRepository(connection),
    sendTimes: new MongoSendTimeRepository(connection),
    budgets: new MongoBudgetRepository(connection),
    ping: () => pingMongo(connection),
    close: async () => {
      await watchdog.stop();
      await connection.close();
    },
  };
  try {
    // createIndexes, not syncIndexes: never drop an index an operator added by hand.
    for (const model of Object.values(connection.models)) await model.createIndexes();
    for (const index of expiryIndexes(store)) await ensureExpiryIndex(connection, server, index);
    await store.rules.repair();
  } catch (err) {
    await connection.close().catch(() => undefined);
    throw err;
  }
  const watchdog: ConnectionWatchdog = watchConnection(connection, { url: options.url, connectOptions: connectionOptions(options), logger: options.logger, ...(options.reopenStuckAfterMs ? { stuckAfterMs: options.reopenStuckAfterMs } : {}) });
  options.logger?.info({ server, collections: Object.values(connection.models).map((m) => m.collection.collectionName) }, 'store ready');
  return store;
}

/**
 * The date fields retention deletes by. Expired claims and takeover markers mean nothing, so MongoDB
 * may drop them itself whoever owns them; the status trail's TTL depends on the router's setting and
 * is set by the router (`expireOnServerAfter`), so here it only gets an index if it has none.
 */
function expiryIndexes(store: MongoStore): ExpiryIndex[] {
  const name = (model: { collection: { collectionName: string } }) => model.collection.collectionName;
  const idempotency = store.idempotency as MongoIdempotencyRepository;
  return [
    { collection: name(idempotency.model), field: 'expiresAt', expireAfterSeconds: 0 },
    { collection: name(idempotency.takeovers), field: 'at', expireAfterSeconds: TAKEOVER_MARKER_TTL_MS / 1000 },
    { collection: name((store.deliveryLog as MongoDeliveryLogRepository).model), field: 'at', expireAfterSeconds: null },
    { collection: name((store.budgets as MongoBudgetRepository).model), field: 'expiresAt', expireAfterSeconds: 0 },
  ];
}

/** The embedded mode's store: same semantics, nothing survives the process. */
export function createMemoryStore(): Store {
  return {
    kind: 'memory',
    devices: new MemoryDeviceRepository(),
    inbox: new MemoryInboxRepository(),
    preferences: new MemoryPreferencesRepository(),
    rules: new MemoryRuleRepository(),
    digests: new MemoryDigestRepository(),
    deliveryLog: new MemoryDeliveryLogRepository(),
    idempotency: new MemoryIdempotencyRepository(),
    topics: new MemoryTopicRepository(),
    deadLetterActions: new MemoryDeadLetterActionRepository(),
    webhooks: new MemoryWebhookRepository(),
    escalations: new MemoryEscalationRepository(),
    sendTimes: new MemorySendTimeRepository(),
    budgets: new MemoryBudgetRepository(),
    ping: async () => {},
    close: async () => {},
  };
}
