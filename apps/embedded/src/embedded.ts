import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { ConfigOf } from '@notify/config';
import { createGatewayModule } from '@notify/gateway';
import { createPresenceModule } from '@notify/presence';
import { createPushModule } from '@notify/push';
import { createRouterModule } from '@notify/router';
import { startProcess, type RunningProcess, type ServiceDeps, type ServiceModule } from '@notify/runtime';
import type { Logger } from '@notify/observability';
import type { embeddedSettings } from './config';

export type EmbeddedConfig = ConfigOf<typeof embeddedSettings>;

/** All four services in one process, sharing one bus, one store and one HTTP server. */
export function embeddedModules(deps: ServiceDeps, config: EmbeddedConfig & { jwtSecret: string }): ServiceModule[] {
  return [
    createPresenceModule(deps),
    createGatewayModule(deps, { jwtSecret: config.jwtSecret }),
    createPushModule(deps),
    createRouterModule(deps, { maxBatchEvents: config.maxBatchEvents }),
  ];
}

/** Zero configuration: without JWT_SECRET, a random secret for this run (tokens die with the process). */
export function withJwtSecret(config: EmbeddedConfig): EmbeddedConfig & { jwtSecret: string } {
  return { ...config, jwtSecret: config.jwtSecret ?? randomBytes(32).toString('base64url') };
}

/** A token for trying the socket as `userId`, valid for a day. */
export function devToken(secret: string, userId: string): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setIssuedAt().setExpirationTime('24h').sign(new TextEncoder().encode(secret));
}

/** Starts the embedded product without signal handling (tests, tools). */
export function startEmbedded(config: EmbeddedConfig & { jwtSecret: string }, logger?: Logger): Promise<RunningProcess> {
  return startProcess({ service: 'embedded', config, ...(logger ? { logger } : {}), modules: embeddedModules });
}

/** What a newcomer needs on screen after `npm start`. */
export function welcomeText(url: string, running: RunningProcess, aliceToken: string): string {
  const { bus, store } = running.deps;
  const curl = `curl -X POST ${url}/v1/events -H 'content-type: application/json' -d '{"version":1,"id":"evt-1","type":"payment.succeeded","to":{"userId":"alice"},"priority":"transactional","payload":{"title":"Payment received","body":"You were paid 42 EUR"},"createdAt":"${new Date().toISOString()}"}'`;
  return [
    '',
    'Notification platform running in one process',
    `  bus:    ${bus.kind === 'memory' ? 'in-process (set KAFKA_BROKERS for Kafka)' : 'Kafka'}`,
    `  store:  ${store.kind === 'memory' ? 'in memory, lost on restart (set MONGO_URL for MongoDB)' : 'MongoDB'}`,
    `  REST:   ${url}/v1`,
    `  socket: ${url.replace(/^http/, 'ws')} (socket.io, path /socket.io)`,
    `  health: ${url}/readyz   metrics: ${url}/metrics`,
    '',
    'Listen as alice (socket.io client, Node 20+):',
    `  node -e "require('socket.io-client').io('${url}',{auth:{token:'${aliceToken}'}}).on('notification',n=>console.log(n))"`,
    '',
    'Send her a first event:',
    `  ${curl}`,
    '',
  ].join('\n');
}
