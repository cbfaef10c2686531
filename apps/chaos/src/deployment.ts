import { generateKeyPairSync } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import mongoose from 'mongoose';
import { ApnsEmulator } from '@notify/push-emulators';
import { freePort, requireKafka, requireMongo, startServiceProcess, uniqueName, waitFor, type ServiceProcess } from '@notify/testing';

export type ServiceName = 'presence' | 'router' | 'gateway' | 'push';
export const SERVICES: readonly ServiceName[] = ['presence', 'router', 'gateway', 'push'];

export const jwtSecret = 'chaos-jwt-secret-0123456789abcdefghijkl';
const producerSecret = 'chaos-producer-secret-0123456789';
const adminSecret = 'chaos-admin-secret-0123456789abcd';
export const producerHeaders = { authorization: `Bearer ${producerSecret}`, 'content-type': 'application/json' };
export const adminHeaders = { authorization: `Bearer ${adminSecret}`, 'content-type': 'application/json' };
const apnsKey = { key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), keyId: 'CHAOSKEY01', teamId: 'CHAOSTEAM1' };

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const entryOf = (service: ServiceName) => fileURLToPath(new URL(`../../../services/${service}/src/main.ts`, import.meta.url));
const run = promisify(execFile);

/**
 * The product as it is deployed: each service its own process on the real Kafka and database, with
 * an APNs emulator standing in for Apple. Every service keeps its port across restarts (and so its
 * instance name and consumer groups), as a pod restarted in place does.
 */
export class Deployment {
  readonly prefix = uniqueName('chaos');
  readonly apns = new ApnsEmulator({ auth: apnsKey });
  readonly urls = {} as Record<ServiceName, string>;
  brokers: string[] = [];
  private readonly ports = {} as Record<ServiceName, number>;
  private readonly processes = new Map<ServiceName, ServiceProcess>();
  /** Every process each service ran as (a killed one and its restart), for the logs. */
  private readonly history = new Map<ServiceName, ServiceProcess[]>();
  private env: Record<string, string> = {};
  private relayPort = 0;

  async start(): Promise<void> {
    this.brokers = await requireKafka();
    await this.apns.start();
    this.relayPort = await freePort();
    this.env = {
      KAFKA_BROKERS: this.brokers.join(','),
      MONGO_URL: await requireMongo(this.prefix),
      TOPIC_PREFIX: this.prefix,
      INTAKE_TOKENS: `chaos:${producerSecret}:events:write+events:read+presence:read+devices:write`,
      ADMIN_TOKENS: `ops:${adminSecret}`,
      LOG_LEVEL: 'warn',
      // A crashed member's partitions move after this; the broker's minimum is 6 s.
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      JWT_SECRET: jwtSecret,
      GATEWAY_RELAY_SECRET: 'chaos-relay-secret-0123456789abcdefghij',
      // Every client of the load connects from 127.0.0.1, and reconnects all at once after each fault: no limit per address.
      GATEWAY_CONNECT_RATE_PER_ADDRESS: '0',
      APNS_KEY: apnsKey.key,
      APNS_KEY_ID: apnsKey.keyId,
      APNS_TEAM_ID: apnsKey.teamId,
      APNS_ADDRESS: this.apns.address,
      APNS_PORT: String(this.apns.port),
      APNS_CA: this.apns.ca,
    };
    for (const service of SERVICES) {
      this.ports[service] = await freePort();
      this.urls[service] = `http://127.0.0.1:${this.ports[service]}`;
    }
    // Presence first, so the others' views start from its state.
    await this.startService('presence');
    await Promise.all((['router', 'gateway', 'push'] as const).map((s) => this.startService(s)));
  }

  /** Starts (or restarts) one service on its port; resolves once /readyz says ready, with how long that took. */
  async startService(service: ServiceName): Promise<number> {
    const started = Date.now();
    const child = startServiceProcess(entryOf(service), { ...this.env, PORT: String(this.ports[service]), ...(service === 'gateway' ? { GATEWAY_RELAY_PORT: String(this.relayPort) } : {}) });
    this.processes.set(service, child);
    this.history.set(service, [...(this.history.get(service) ?? []), child]);
    await this.waitReady(service, 90_000).catch((err: Error) => {
      throw new Error(`${err.message}\n--- ${service} output ---\n${child.output().slice(-3000)}`);
    });
    return Date.now() - started;
  }

  /** kill -9: no shutdown hook runs, nothing is flushed or handed over. */
  async kill(service: ServiceName): Promise<void> {
    await this.processes.get(service)?.stop('SIGKILL');
  }

  async waitReady(service: ServiceName, timeoutMs: number): Promise<void> {
    let last = 'no answer';
    await waitFor(
      `${service} to be ready`,
      async () => {
        const response = await fetch(`${this.urls[service]}/readyz`).catch(() => undefined);
        if (response) last = `${response.status} ${await response.text()}`;
        return response?.status === 200;
      },
      { timeoutMs, intervalMs: 100 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; its /readyz said: ${last}`);
    });
  }

  async waitAllReady(timeoutMs = 120_000): Promise<void> {
    await Promise.all(SERVICES.map((s) => this.waitReady(s, timeoutMs)));
  }

  /** Stops the broker (graceful, as a rolling restart does) and starts it again with the local infrastructure scripts. */
  async restartBroker(downMs: number): Promise<void> {
    await this.infra('down.sh', 'kafka');
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.infra('up.sh');
  }

  /** Stops the database (FerretDB and PostgreSQL under it) and starts it again. */
  async restartDatabase(downMs: number): Promise<void> {
    await this.infra('down.sh', 'database');
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.infra('up.sh');
  }

  /** What a service printed (its warnings and errors), for a report that went wrong. */
  output(service: ServiceName): string {
    return this.processes.get(service)?.output() ?? '';
  }

  /** Writes what every process of every service printed into `dir`, one file per service. */
  async saveLogs(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    for (const [service, runs] of this.history) await writeFile(`${dir}/${service}.log`, runs.map((run, i) => `===== ${service}, process ${i + 1}\n${run.output()}`).join('\n'));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.processes.values()].map((p) => p.stop('SIGTERM')));
    await this.apns.stop();
    await this.deleteTopics().catch((err: Error) => console.warn(`could not delete the run's topics: ${err.message}`));
    const connection = await mongoose.createConnection(this.env.MONGO_URL!, { serverSelectionTimeoutMS: 5000 }).asPromise();
    await connection.dropDatabase().finally(() => connection.close());
  }

  private async deleteTopics(): Promise<void> {
    const admin = new Kafka({ clientId: 'chaos-cleanup', brokers: this.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${this.prefix}.`));
      if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
    } finally {
      await admin.disconnect();
    }
  }

  private async infra(script: string, ...args: string[]): Promise<void> {
    await run('bash', [`infra/local/${script}`, ...args], { cwd: repoRoot, timeout: 240_000 });
  }
}
