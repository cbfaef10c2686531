// Receives the signed-in user's notifications in Node (a CLI, a test, a server-side agent).
//   NOTIFY_URL=https://notify.example.com USER_TOKEN=<the user's JWT> node examples/receive-in-node.mjs
import { NotifyClient, memoryCursorStore } from '@notify/client';

const client = new NotifyClient({
  url: process.env.NOTIFY_URL ?? 'http://127.0.0.1:3001',
  token: process.env.USER_TOKEN ?? '',
  // Where the highest seq received is kept: a restarted client resumes after it (use a file or a database).
  cursorStore: memoryCursorStore(),
});

client.on('notification', (n) => console.log(JSON.stringify({ notification: { id: n.notificationId, seq: n.seq, type: n.type, title: n.content.title } })));
client.on('unread', (count) => console.log(JSON.stringify({ unread: count })));
client.on('error', (err) => console.error(`notify: ${err.message}${err.code ? ` (${err.code})` : ''}`));

await client.connect(); // rejects with the gateway's reason (e.g. a refused token) if the first attempt fails
console.log(JSON.stringify({ connected: true, transport: client.transport }));

process.once('SIGTERM', () => client.close());
process.once('SIGINT', () => client.close());
