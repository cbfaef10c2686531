import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeliveryStatus } from '@notify/contracts';
import { adminHeaders } from '../../test/router-process';

/** What the product's receiver got: each POST's webhook-id, when, and its body. */
export interface ReceivedWebhook {
  id: string;
  at: number;
  body: { type: string; data: DeliveryStatus };
}

export interface SmsReceiver {
  received: ReceivedWebhook[];
  /** The webhook steps received for a notification, one per webhook-id (a retried delivery keeps its id). */
  smsOf(notificationId: string): ReceivedWebhook['body'][];
  /** Subscribes the receiver, at a webhooks service, to the `escalated` steps of payment events. */
  subscribe(webhooksBase: string): Promise<number>;
  close(): void;
}

/** A webhook receiver on 127.0.0.1 standing in for the product's SMS sender, for the escalation tests. */
export async function startSmsReceiver(): Promise<SmsReceiver> {
  const received: ReceivedWebhook[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ id: String(req.headers['webhook-id']), at: Date.now(), body: JSON.parse(body) as ReceivedWebhook['body'] });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`;
  return {
    received,
    smsOf: (notificationId) => [...new Map(received.filter((r) => r.body.data.notificationId === notificationId && r.body.data.channel === 'webhook').map((r) => [r.id, r.body])).values()],
    subscribe: async (webhooksBase) => {
      const endpoint = { url, description: 'SMS for unread payment alerts', statuses: ['escalated'], eventTypes: ['payment.*'] };
      return (await fetch(`${webhooksBase}/v1/webhooks/endpoints`, { method: 'POST', headers: adminHeaders, body: JSON.stringify(endpoint) })).status;
    },
    close: () => server.close(),
  };
}
