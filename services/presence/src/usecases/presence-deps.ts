import type { PresenceEvent } from '@notify/contracts';
import type { Logger } from '@notify/observability';
import type { GatewayLiveness } from '../liveness/gateway-liveness';
import type { PresenceTable } from '../state/presence-table';
import type { StatePublisher } from '../state/state-publisher';

/** What every presence use case works on: the table of sockets, gateway liveness, and where changes are published. */
export interface PresenceDeps {
  table: PresenceTable;
  liveness: GatewayLiveness;
  publisher: Pick<StatePublisher, 'publish'>;
  /**
   * Writes socket events to presence.events, keyed by user: the instance that holds each user's
   * partition applies them in order with the gateways' own, so they get a revision like any other.
   */
  sendSocketEvents: (events: PresenceEvent[]) => Promise<void>;
  logger: Logger;
  now: () => number;
}
