import { DeadLetterV1 } from '../envelope/dead-letter';
import { DeliveryStatusV1 } from '../envelope/delivery-status';
import { DeviceChangeV1 } from '../envelope/device-change';
import { DeviceFeedbackV1 } from '../envelope/device-feedback';
import { KIB } from '../envelope/limits';
import { NotificationV1 } from '../envelope/notification';
import { NotifyEventV1, intakeKeyOf } from '../envelope/notify-event';
import { GatewayLivenessV1, PresenceEventV1, PresenceStateV1 } from '../envelope/presence';
import { PreferencesStateV1 } from '../envelope/preferences';
import { RuleChangeV1 } from '../envelope/rule-change';
import { defineTopic, type TopicSpec } from './topic-spec';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Both intake lanes carry product events, keyed by recipient. */
const intakeLane = (name: string, description: string) =>
  defineTopic({ name, description, partitions: 8, cleanup: 'delete', retentionMs: 7 * DAY_MS, maxMessageBytes: 256 * KIB, schema: NotifyEventV1, keyOf: (event) => intakeKeyOf(event) });

/** Every delivery lane carries one notification for one user, keyed by that user. */
const deliveryLane = (name: string, description: string) =>
  defineTopic({ name, description, partitions: 8, cleanup: 'delete', retentionMs: 3 * DAY_MS, maxMessageBytes: 64 * KIB, schema: NotificationV1, keyOf: (n) => n.userId });

/**
 * Every topic of the platform, in one place. Partition counts, retention and compaction are
 * provisioned from here on start-up; producers in other languages use docs/schemas/.
 */
export const topics = {
  notifyEvents: intakeLane('notify.events', 'Product events to notify users about (default intake lane: everything but marketing).'),
  notifyEventsBulk: intakeLane('notify.events.bulk', 'Bulk intake lane: marketing events, consumed separately so a flood never delays the default lane.'),
  deliverInapp: deliveryLane('deliver.inapp', 'Notifications for the socket.io gateway and the in-app inbox.'),
  deliverPushTransactional: deliveryLane('deliver.push.transactional', 'Pushes that go out at once (critical, transactional, offline fallback).'),
  deliverPushBulk: deliveryLane('deliver.push.bulk', 'Low-priority pushes (marketing, digests), rate-limited per provider.'),
  deliveryStatus: defineTopic({
    name: 'delivery.status',
    description: 'Every routing decision and delivery step, for the status trail.',
    partitions: 8,
    cleanup: 'delete',
    retentionMs: 14 * DAY_MS,
    maxMessageBytes: 16 * KIB,
    schema: DeliveryStatusV1,
    keyOf: (s) => s.userId ?? s.eventId,
  }),
  notifyDlq: defineTopic({
    name: 'notify.dlq',
    description: 'Messages set aside with the reason and the original bytes.',
    partitions: 1,
    cleanup: 'delete',
    retentionMs: 30 * DAY_MS,
    maxMessageBytes: 1024 * KIB,
    schema: DeadLetterV1,
    keyOf: (d) => d.source.key ?? d.source.topic,
  }),
  presenceEvents: defineTopic({
    name: 'presence.events',
    description: 'Socket connects and disconnects, from the gateways, keyed by user.',
    partitions: 8,
    cleanup: 'delete',
    retentionMs: 1 * DAY_MS,
    maxMessageBytes: 4 * KIB,
    schema: PresenceEventV1,
    keyOf: (e) => e.userId,
  }),
  presenceGateways: defineTopic({
    name: 'presence.gateways',
    description: 'Gateway heartbeats (with relay address) and goodbyes; read in full by every presence and gateway instance.',
    partitions: 1,
    cleanup: 'delete',
    retentionMs: 60 * 60 * 1000,
    maxMessageBytes: 4 * KIB,
    schema: GatewayLivenessV1,
    keyOf: (e) => e.gatewayId,
  }),
  presenceState: defineTopic({
    name: 'presence.state',
    description: 'Latest presence per user (compacted): what the router reads to choose in-app or push.',
    partitions: 8,
    cleanup: 'compact',
    retentionMs: -1,
    maxMessageBytes: 64 * KIB, // room for the 64 connections a user may have, at their longest ids
    schema: PresenceStateV1,
    keyOf: (s) => s.userId,
  }),
  preferencesState: defineTopic({
    name: 'preferences.state',
    description: 'Latest notification preferences per user (compacted): every router keeps them in memory.',
    partitions: 8,
    cleanup: 'compact',
    retentionMs: -1,
    maxMessageBytes: 64 * KIB,
    schema: PreferencesStateV1,
    keyOf: (p) => p.userId,
  }),
  deviceChanges: defineTopic({
    name: 'devices.changes',
    description: 'A user’s push devices changed (registered, unregistered, deactivated): every push instance drops its cached copy.',
    partitions: 8,
    cleanup: 'delete',
    retentionMs: 1 * DAY_MS,
    maxMessageBytes: 4 * KIB,
    schema: DeviceChangeV1,
    keyOf: (c) => c.userId,
  }),
  deviceFeedback: defineTopic({
    name: 'devices.feedback',
    description: 'For the product’s backend: a device the push service stopped pushing to (device.deactivated: the provider said its token is dead), with the full token, keyed by user.',
    partitions: 8,
    cleanup: 'delete',
    retentionMs: 7 * DAY_MS,
    maxMessageBytes: 8 * KIB,
    schema: DeviceFeedbackV1,
    keyOf: (f) => f.userId,
  }),
  rulesChanges: defineTopic({
    name: 'rules.changes',
    description: 'Rule created, updated, deleted or rolled back: every router reloads.',
    partitions: 1,
    cleanup: 'delete',
    retentionMs: 7 * DAY_MS,
    maxMessageBytes: 4 * KIB,
    schema: RuleChangeV1,
    keyOf: (c) => c.ruleId,
  }),
} as const;

export type TopicKey = keyof typeof topics;
export const allTopics: readonly TopicSpec<unknown>[] = Object.values(topics) as TopicSpec<unknown>[];
