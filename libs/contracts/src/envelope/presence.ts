import { z } from 'zod';
import { IsoTimestamp, UserId } from './fields';

const GatewayId = z.string().min(1).max(128);

/** What gateways tell presence. A gateway's own heartbeat lets presence expire a gateway that died silently. */
export const PresenceEventV1 = z.discriminatedUnion('kind', [
  z.object({ version: z.literal(1), kind: z.literal('socket_connected'), userId: UserId, gatewayId: GatewayId, socketId: z.string(), device: z.string().optional(), at: IsoTimestamp }).strict(),
  z.object({ version: z.literal(1), kind: z.literal('socket_disconnected'), userId: UserId, gatewayId: GatewayId, socketId: z.string(), reason: z.string().optional(), at: IsoTimestamp }).strict(),
  z.object({ version: z.literal(1), kind: z.literal('gateway_heartbeat'), gatewayId: GatewayId, sockets: z.number().int().nonnegative(), at: IsoTimestamp }).strict(),
  z.object({ version: z.literal(1), kind: z.literal('gateway_stopped'), gatewayId: GatewayId, at: IsoTimestamp }).strict(),
]);
export type PresenceEvent = z.infer<typeof PresenceEventV1>;

/** The compacted per-user view presence publishes; the latest record per user is the truth. */
export const PresenceStateV1 = z
  .object({
    version: z.literal(1),
    userId: UserId,
    online: z.boolean(),
    gateways: z.array(z.object({ gatewayId: GatewayId, sockets: z.number().int().positive() }).strict()),
    devices: z.number().int().nonnegative(),
    since: IsoTimestamp.optional().describe('Online since, when online'),
    lastSeen: IsoTimestamp,
  })
  .strict();
export type PresenceState = z.infer<typeof PresenceStateV1>;
