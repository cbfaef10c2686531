import type { Bus, Subscription } from '@notify/bus';
import { topics, type GatewayLiveness } from '@notify/contracts';
import type { AnnouncementProblem } from '@notify/contracts/gateway-announcement';
import { recordGatewayLiveness } from '../usecases/record-gateway-liveness';
import type { PresenceDeps } from '../usecases/presence-deps';

/**
 * Every presence instance hears every heartbeat: a group of its own, from the end, since a heartbeat from
 * before start-up says nothing about now. Only signed announcements are acted on: a forged goodbye
 * would close every socket of a gateway that is still up.
 */
export function consumeGatewayLiveness(
  bus: Bus,
  deps: PresenceDeps,
  instanceName: string,
  trust: { verify: (announcement: GatewayLiveness) => AnnouncementProblem | null; onRefused: (announcement: GatewayLiveness, problem: AnnouncementProblem) => void },
): Promise<Subscription> {
  return bus.subscribe(topics.presenceGateways, { groupId: `presence-gateways-${instanceName}`, fromBeginning: false, commitOffsets: false }, async (m) => {
    const problem = trust.verify(m.value);
    if (problem) return trust.onRefused(m.value, problem);
    await recordGatewayLiveness(deps, m.value);
  });
}
