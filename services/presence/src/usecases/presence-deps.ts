import type { Logger } from '@notify/observability';
import type { GatewayLiveness } from '../liveness/gateway-liveness';
import type { PresenceTable } from '../state/presence-table';
import type { StatePublisher } from '../state/state-publisher';

/** What every presence use case works on: the table of sockets, gateway liveness, and where changes are published. */
export interface PresenceDeps {
  table: PresenceTable;
  liveness: GatewayLiveness;
  publisher: Pick<StatePublisher, 'publish'>;
  logger: Logger;
  now: () => number;
}
