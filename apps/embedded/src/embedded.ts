import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { ConfigOf } from '@notify/config';
import { PRODUCER_SCOPES, type ApiToken } from '@notify/http';
import { createGatewayModule, hs256Verifier } from '@notify/gateway';
import { createPresenceModule } from '@notify/presence';
import { createPushModule } from '@notify/push';
import { createRouterModule } from '@notify/router';
import { startProcess, type RunningProcess, type ServiceDeps, type ServiceModule } from '@notify/runtime';
import { createWebhooksModule } from '@notify/webhooks';
import type { Logger } from '@notify/observability';
import type { embeddedSettings } from './config';
import { startLocalPush } from './local-push';

export type EmbeddedConfig = ConfigOf<typeof embeddedSettings>;

/** Every service in one process, sharing one bus, one store and one HTTP server. */
/** The embedded configuration with every secret present. */
export type ResolvedEmbeddedConfig = EmbeddedConfig & { jwtSecret: string; relaySecret: string; intakeTokens: ApiToken[]; adminTokens: ApiToken[] };

export async function embeddedModules(deps: ServiceDeps, config: ResolvedEmbeddedConfig): Promise<ServiceModule[]> {
  const localPush = await startLocalPush(deps.http.app, [...config.adminTokens, ...config.intakeTokens]);
  // One way to check users' JWTs: the socket's and the one apps register their devices with (/v1/me/devices).
  const verify = hs256Verifier(config.jwtSecret);
  return [
    localPush.module,
    createPresenceModule(deps, config),
    // One gateway in the process: no relay listener, nothing to hand over.
    createGatewayModule(deps, { ...config, verify, relaySecret: config.relaySecret }),
    createPushModule(deps, {
      ...config,
      tokens: [...config.intakeTokens, ...config.adminTokens],
      verify,
      senders: localPush.senders,
      retry: { maxAttempts: config.maxAttempts, initialDelayMs: config.retryInitialMs, maxDelayMs: config.retryMaxMs },
    }),
    createRouterModule(deps, config),
    createWebhooksModule(deps, { ...config, tokens: [...config.intakeTokens, ...config.adminTokens] }),
  ];
}

/** Zero configuration: secrets that are not set are made up for this run (and die with the process). */
export function withGeneratedSecrets(config: EmbeddedConfig): ResolvedEmbeddedConfig {
  const random = () => randomBytes(24).toString('base64url');
  return {
    ...config,
    jwtSecret: config.jwtSecret ?? random(),
    // One gateway in the process: the relay is never called, but it must not be open without a secret.
    relaySecret: random() + random(),
    // Trying the product on one machine: the generated token may use every API.
    intakeTokens: config.intakeTokens ?? [{ name: 'local-producer', role: 'producer', secret: random(), scopes: PRODUCER_SCOPES }],
    adminTokens: config.adminTokens ?? [{ name: 'local-admin', role: 'admin', secret: random() }],
  };
}

/** A token for trying the socket as `userId`, valid for a day. */
export function devToken(secret: string, userId: string): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setIssuedAt().setExpirationTime('24h').sign(new TextEncoder().encode(secret));
}

/** Starts the embedded product without signal handling (tests, tools). */
export function startEmbedded(config: ResolvedEmbeddedConfig, logger?: Logger): Promise<RunningProcess> {
  return startProcess({ service: 'embedded', config, ...(logger ? { logger } : {}), modules: embeddedModules });
}

/**
 * What a newcomer needs on screen after `npm start`: every URL answers and every command works as
 * printed (welcome.spec.ts runs them against a started product).
 */
export function welcomeText(url: string, running: RunningProcess, config: ResolvedEmbeddedConfig, aliceToken: string): string {
  const { bus, store } = running.deps;
  const intake = config.intakeTokens[0]!;
  const admin = config.adminTokens[0]!;
  const curl = `curl -X POST ${url}/v1/events -H 'authorization: Bearer ${intake.secret}' -H 'content-type: application/json' -d '{"version":1,"id":"evt-1","type":"payment.succeeded","to":{"userId":"alice"},"priority":"transactional","payload":{"title":"Payment received","body":"You were paid 42 EUR"},"createdAt":"${new Date().toISOString()}"}'`;
  return [
    '',
    'Notification platform running in one process',
    `  bus:    ${bus.kind === 'memory' ? 'in-process (set KAFKA_BROKERS for Kafka)' : 'Kafka'}`,
    `  store:  ${store.kind === 'memory' ? 'in memory, lost on restart (set MONGO_URL for MongoDB)' : 'MongoDB'}`,
    `  API:    ${url}/docs (every route, with its schemas; the OpenAPI document is ${url}/openapi.json)`,
    `  socket: ${url.replace(/^http/, 'ws')} (socket.io, path /socket.io)`,
    `  health: ${url}/readyz   metrics: ${url}/metrics`,
    `  console: ${url}/console (sign in with the admin token)`,
    `  tokens: intake ${intake.name}=${intake.secret}   admin ${admin.name}=${admin.secret}`,
    '  push:   local APNs and FCM emulators (real node-apn and firebase-admin)',
    '',
    'Listen as alice (socket.io client, Node 20+):',
    `  node -e "require('socket.io-client').io('${url}',{auth:{token:'${aliceToken}'}}).on('notification',n=>console.log(n))"`,
    '',
    'Send her a first event:',
    `  ${curl}`,
    '',
    'Give her a phone, and events reach it as pushes while she is offline:',
    `  curl -X PUT ${url}/v1/users/alice/devices/${'ab'.repeat(32)} -H 'authorization: Bearer ${intake.secret}' -H 'content-type: application/json' -d '{"platform":"ios","appId":"com.example.app"}'`,
    '',
    'See what the local push emulators received (with the admin token):',
    `  curl ${url}/v1/dev/pushes -H 'authorization: Bearer ${admin.secret}'`,
    '',
  ].join('\n');
}
