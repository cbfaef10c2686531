// Writes events straight to the intake topics with kafkajs (npm install kafkajs), keyed by recipient.
//   KAFKA_BROKERS=127.0.0.1:9092 TOPIC_PREFIX= node examples/send-over-kafka.mjs user-42
import { createProducer } from '@notify/producer';

const userId = process.argv[2] ?? 'user-42';
const producer = createProducer({
  kafka: {
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    clientId: 'orders-service',
    topicPrefix: process.env.TOPIC_PREFIX ?? '',
  },
  batching: { lingerMs: 10, maxEvents: 200 },
});

try {
  // Many sends in a row share produce requests; each resolves once its event is on the topic.
  const results = await Promise.all(
    ['packed', 'shipped', 'delivered'].map((step, i) =>
      producer.send({ id: `order-o-1001-${step}`, type: `order.${step}`, to: { userId }, priority: 'transactional', payload: { title: `Order ${step}`, step: i } }),
    ),
  );
  console.log(JSON.stringify(results));
} finally {
  await producer.close();
}
