import { z } from 'zod';
import { IsoTimestamp, UserId } from './fields';

export const GatewayId = z.string().min(1).max(128).describe('The gateway instance holding a socket');
const SocketId = z.string().min(1).max(128);
const Transport = z.enum(['websocket', 'polling', 'sse']);

/** What gateways tell presence about sockets, keyed by user so one user's connects and disconnects stay in order. */
export const PresenceEventV1 = z.discriminatedUnion('kind', [
  z
    .object({
      version: z.literal(1),
      kind: z.literal('socket_connected'),
      userId: UserId,
      gatewayId: GatewayId,
      socketId: SocketId,
      device: z.string().max(128).optional().describe('Client-chosen device id; several sockets of one device count as one device'),
      transport: Transport.optional(),
      at: IsoTimestamp,
    })
    .strict(),
  z.object({ version: z.literal(1), kind: z.literal('socket_disconnected'), userId: UserId, gatewayId: GatewayId, socketId: SocketId, reason: z.string().max(256).optional(), at: IsoTimestamp }).strict(),
]);
export type PresenceEvent = z.infer<typeof PresenceEventV1>;

/** Gateways and presence believe only announcements signed with the secret the gateways share (see gateway-announcement.ts). */
const AnnouncementSignature = z
  .string()
  .max(128)
  .optional()
  .describe('HMAC-SHA256 (base64url) of version, kind, gatewayId, relayUrl and at, keyed from the gateways’ shared relay secret; other gateways ignore an announcement without a valid one');

/**
 * A gateway's liveness, on its own small topic that every presence and gateway instance reads in full:
 * presence expires the users of a gateway that stopped beating, and gateways find each other's relay address.
 */
export const GatewayLivenessV1 = z.discriminatedUnion('kind', [
  z
    .object({
      version: z.literal(1),
      kind: z.literal('gateway_heartbeat'),
      gatewayId: GatewayId,
      relayUrl: z.url().optional().describe('Where other gateways hand this one notifications for the sockets it holds'),
      sockets: z.number().int().nonnegative(),
      at: IsoTimestamp,
      signature: AnnouncementSignature,
    })
    .strict(),
  z.object({ version: z.literal(1), kind: z.literal('gateway_stopped'), gatewayId: GatewayId, at: IsoTimestamp, signature: AnnouncementSignature }).strict(),
]);
export type GatewayLiveness = z.infer<typeof GatewayLivenessV1>;

/** One live socket, as presence records it. */
export const PresenceConnection = z
  .object({ socketId: SocketId, gatewayId: GatewayId, device: z.string().max(128).optional(), transport: Transport.optional(), connectedAt: IsoTimestamp })
  .strict();
export type PresenceConnection = z.infer<typeof PresenceConnection>;

/** The compacted per-user view presence publishes; the latest record per user is the truth. */
export const PresenceStateV1 = z
  .object({
    version: z.literal(1),
    userId: UserId,
    online: z.boolean(),
    gateways: z.array(z.object({ gatewayId: GatewayId, sockets: z.number().int().positive() }).strict()).describe('Where the user can be reached, with how many sockets each'),
    devices: z.number().int().nonnegative(),
    since: IsoTimestamp.optional().describe('Online since, when online'),
    lastSeen: IsoTimestamp,
    connections: z.array(PresenceConnection).max(64).default([]).describe('Every live socket; lets presence rebuild its state from this topic after a restart'),
    closed: z
      .array(SocketId)
      .max(64)
      .optional()
      .describe('Sockets of this user closed lately: a connect that reaches presence after its own disconnect, or is read again, never brings one back'),
    revision: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe(
        'Position in presence.events of the last event this state reflects. Events are keyed by user, so one user’s revisions only grow: a reader keeps the highest and ignores an older record that arrives after it. Absent in records written before revisions, and for a user never heard of',
      ),
  })
  .strict();
export type PresenceState = z.infer<typeof PresenceStateV1>;
