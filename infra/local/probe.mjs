// Readiness probes that speak each server's real protocol: a Kafka metadata request, a MongoDB ping.
// Usage: node probe.mjs kafka 127.0.0.1:9092 | node probe.mjs mongo mongodb://127.0.0.1:27017
const [kind, address] = process.argv.slice(2);
try {
  if (kind === 'kafka') {
    const { Kafka, logLevel } = await import('kafkajs');
    const admin = new Kafka({ brokers: [address], logLevel: logLevel.NOTHING, connectionTimeout: 1000, retry: { retries: 0 } }).admin();
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.disconnect();
    console.log(`kafka ${address}: ${cluster.brokers.length} broker(s), controller ${cluster.controller}`);
  } else if (kind === 'mongo') {
    const { default: mongoose } = await import('mongoose');
    const connection = await mongoose.createConnection(address, { serverSelectionTimeoutMS: 1000 }).asPromise();
    const pong = await connection.db.admin().ping();
    await connection.close();
    if (pong.ok !== 1) throw new Error(`ping answered ${JSON.stringify(pong)}`);
    console.log(`mongo ${address}: ping ok`);
  } else {
    throw new Error(`unknown probe ${kind}`);
  }
  process.exit(0);
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND') console.error('probe: node modules are missing; run `npm ci` first');
  else console.error(`probe ${kind} ${address}: ${err?.message ?? err}`);
  process.exit(1);
}
