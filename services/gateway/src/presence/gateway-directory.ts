import { PresenceRevisions, type GatewayLiveness, type PresenceState } from '@notify/contracts';
import type { AnnouncementProblem } from '@notify/contracts/gateway-announcement';

/** Whether an announcement on presence.gateways is believed: null when it is, else why not. */
export type AnnouncementCheck = (event: GatewayLiveness) => AnnouncementProblem | null;

/**
 * Where each user's sockets are and how to reach each gateway, from the two presence topics.
 * Every gateway keeps the whole view so handing a notification to the right instance is a map lookup.
 * Relay addresses come only from announcements that pass `check` (signed by a gateway of this
 * deployment): the relay client never calls an address someone else wrote to the topic.
 */
export class GatewayDirectory {
  private readonly relayUrls = new Map<string, string>();
  private readonly gatewaysOfUser = new Map<string, string[]>();
  /** A presence record older than the one held for its user (by revision) is ignored. */
  private readonly revisions = new PresenceRevisions();

  constructor(
    private readonly check: AnnouncementCheck,
    private readonly onRejected: (event: GatewayLiveness, problem: AnnouncementProblem) => void = () => {},
  ) {}

  applyLiveness(event: GatewayLiveness): void {
    const problem = this.check(event);
    if (problem) return this.onRejected(event, problem);
    if (event.kind === 'gateway_stopped') this.relayUrls.delete(event.gatewayId);
    else if (event.relayUrl) this.relayUrls.set(event.gatewayId, event.relayUrl);
  }

  applyState(state: PresenceState): void {
    if (!this.revisions.admit(state)) return;
    if (state.gateways.length === 0) this.gatewaysOfUser.delete(state.userId);
    else this.gatewaysOfUser.set(state.userId, state.gateways.map((g) => g.gatewayId));
  }

  /** The gateways presence says hold sockets of this user, other than `self`, with their relay address. */
  remoteGatewaysOf(userId: string, self: string): Array<{ gatewayId: string; relayUrl: string | undefined }> {
    return (this.gatewaysOfUser.get(userId) ?? []).filter((g) => g !== self).map((gatewayId) => ({ gatewayId, relayUrl: this.relayUrls.get(gatewayId) }));
  }

  get knownGateways(): number {
    return this.relayUrls.size;
  }
}
