import type { Server as HttpServer } from 'node:http';
import type { Subscription } from '@notify/bus';
import { userRoom } from '@notify/contracts';
import type { ServiceDeps, ServiceModule } from '@notify/runtime';
import { consumeDeliverInapp } from './handlers/deliver-inapp';
import { hs256Verifier } from './socket/authenticate';
import { attachSocketServer } from './socket/socket-server';

export interface GatewayOptions {
  jwtSecret: string;
}

/** The gateway as a module: socket.io on the process's HTTP server, fed by deliver.inapp. */
export function createGatewayModule(deps: ServiceDeps, options: GatewayOptions): ServiceModule {
  const logger = deps.logger.child({ module: 'gateway' });
  const io = attachSocketServer(deps.http.app.server as HttpServer, hs256Verifier(options.jwtSecret), logger);
  let subscription: Subscription | undefined;
  return {
    name: 'gateway',
    start: async () => {
      subscription = await consumeDeliverInapp(deps.bus, {
        inbox: deps.store.inbox,
        emitToUser: (userId, notification) => io.to(userRoom(userId)).emit('notification', notification),
      });
    },
    stop: async () => {
      await subscription?.stop();
      // The HTTP server itself is closed by the process; here the sockets are let go.
      io.disconnectSockets(true);
    },
  };
}
