// Sends a transactional event and a marketing one through the router's HTTP intake.
//   NOTIFY_URL=https://notify.example.com NOTIFY_TOKEN=... node examples/send-over-http.mjs user-42
import { createProducer, InvalidEventError, ProducerError } from '@notify/producer';

const userId = process.argv[2] ?? 'user-42';
const producer = createProducer({ http: { url: process.env.NOTIFY_URL ?? 'http://127.0.0.1:3000', token: process.env.NOTIFY_TOKEN ?? '' } });

try {
  const results = await producer.sendMany([
    { type: 'order.shipped', to: { userId }, priority: 'transactional', payload: { title: 'Your order is on its way', orderId: 'o-1001' } },
    { type: 'offer.weekly', to: { userId }, priority: 'marketing', payload: { title: 'This week: 20% off' } },
  ]);
  // [{ id: '…', lane: 'default' }, { id: '…', lane: 'bulk' }]: the ids are the idempotency keys, kept across retries.
  console.log(JSON.stringify(results));
} catch (err) {
  if (err instanceof InvalidEventError) console.error(`not sent, the event is invalid: ${err.message}`);
  else if (err instanceof ProducerError) console.error(`not sent (${err.code ?? err.status ?? 'no answer'}): ${err.message}`);
  else throw err;
  process.exitCode = 1;
} finally {
  await producer.close();
}
