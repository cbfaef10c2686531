/**
 * One gateway process for the gateway benchmark: Kafka for delivery (BENCH_KAFKA_BROKERS,
 * BENCH_TOPIC_PREFIX), and the in-process store unless BENCH_MONGO_URL is set. Run with
 * --expose-gc so the benchmark can ask for a collection before reading the heap.
 */
import { createGatewayModule, hs256Verifier } from '@notify/gateway';
import { silentLogger } from '@notify/observability';
import { startProcess } from '@notify/runtime';
import { serveStoreCommands } from './store-commands';

const port = Number(process.env.PORT);
const running = await startProcess({
  service: 'gateway',
  logger: silentLogger(),
  config: {
    logLevel: 'silent',
    host: '127.0.0.1',
    port,
    shutdownTimeoutMs: 10_000,
    kafkaBrokers: process.env.BENCH_KAFKA_BROKERS!.split(','),
    topicPrefix: process.env.BENCH_TOPIC_PREFIX!,
    ...(process.env.BENCH_MONGO_URL ? { mongoUrl: process.env.BENCH_MONGO_URL } : {}),
  },
  modules: (deps) => {
    deps.http.app.post('/bench/gc', async () => {
      (globalThis as { gc?: () => void }).gc?.();
      const { rss, heapUsed } = process.memoryUsage();
      return { rss, heapUsed };
    });
    serveStoreCommands(deps);
    return [
      createGatewayModule(deps, {
        verify: hs256Verifier(process.env.BENCH_JWT_SECRET!),
        relaySecret: 'bench-relay-secret-0123456789abcdef',
        relayPort: 0,
        relayHost: '127.0.0.1',
        port,
        pingIntervalMs: 25_000,
        pingTimeoutMs: 20_000,
        heartbeatMs: 5000,
        maxBufferedPackets: 1000,
        maxBufferedBytes: 1024 * 1024,
        stallTimeoutMs: 10_000,
        resyncAfterMs: 0,
        drainWindowMs: 0,
      }),
    ];
  },
});
process.on('SIGTERM', () => void running.stop('bench done').then(() => process.exit(0)));
console.log('READY');
