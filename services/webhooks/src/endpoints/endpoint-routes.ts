import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DELIVERY_STATES } from '@notify/contracts';
import { HttpError, refusals, requireScope, type ApiToken, type ZodTypeProvider } from '@notify/http';
import type { WebhookDelivery, WebhookEndpoint, WebhookEndpointPatch, WebhookRepository } from '@notify/store';
import { deliveryIdOf } from '../delivery/payload';
import { isSecret, newSecret } from '../delivery/signing';

export interface EndpointRoutesOptions {
  webhooks: WebhookRepository;
  tokens: readonly ApiToken[];
  /** Accept plain http:// URLs. */
  allowHttp: boolean;
  /** After a rotation, how long the previous secret also signs. */
  secretOverlapMs: number;
  /** An endpoint or a delivery changed: caches are dropped and the dispatcher looks for work. */
  changed: () => void;
  now?: () => Date;
}

const tags = ['webhooks'];

const Batch = z
  .object({
    maxSize: z.number().int().min(1).max(1000).describe('Most deliveries in one POST'),
    maxWaitMs: z.number().int().min(0).max(3_600_000).describe('Longest the first delivery of a batch waits for others'),
  })
  .strict()
  .describe('Send several deliveries in one POST: a JSON array, in order, with an id of its own');

const SecretInput = z.string().refine(isSecret, 'a secret is whsec_ followed by 24 to 64 bytes in base64').describe('Your own secret instead of a generated one: whsec_<base64>');

const EndpointInput = z
  .object({
    url: z.url({ protocol: /^https?$/ }).max(2048).describe('Where deliveries are POSTed (https; plain http only where WEBHOOK_ALLOW_HTTP allows it)'),
    description: z.string().max(512).optional(),
    statuses: z.array(z.enum(DELIVERY_STATES)).max(DELIVERY_STATES.length).default([]).describe('Status kinds to receive; empty: every kind'),
    eventTypes: z
      .array(z.string().min(1).max(256).regex(/^[^*]*\*?$/, 'an event type, or a prefix ending in *'))
      .max(100)
      .default([])
      .describe('Event types to receive (exact, or a prefix ending in *); empty: every type. A status carries its type in eventType'),
    secret: SecretInput.optional(),
    batch: Batch.optional(),
  })
  .strict()
  .describe('A new endpoint');

const EndpointPatch = z
  .object({
    url: EndpointInput.shape.url.optional(),
    description: z.string().max(512).nullable().optional().describe('null removes it'),
    statuses: EndpointInput.shape.statuses.unwrap().optional(),
    eventTypes: EndpointInput.shape.eventTypes.unwrap().optional(),
    batch: Batch.nullable().optional().describe('null: one POST per delivery'),
    disabled: z.boolean().optional().describe('false enables an endpoint disabled by a 410 Gone again'),
  })
  .strict()
  .meta({ id: 'WebhookEndpointPatch' });

const Endpoint = z
  .object({
    id: z.string(),
    owner: z.string().describe('The token that created it'),
    url: z.string(),
    description: z.string().optional(),
    statuses: z.array(z.string()),
    eventTypes: z.array(z.string()),
    batch: Batch.optional(),
    disabled: z.boolean(),
    disabledReason: z.string().optional(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: 'WebhookEndpoint' });

const EndpointWithSecret = Endpoint.extend({ secret: z.string().describe('whsec_<base64>: verify each delivery’s webhook-signature with it') }).meta({ id: 'WebhookEndpointWithSecret' });

const Delivery = z
  .object({
    id: z.string().describe('The webhook-id the receiver saw (a batch has its own, batchId)'),
    state: z.enum(['pending', 'delivered', 'failed']).describe('failed: parked after the retry window; retry it by hand'),
    attempts: z.number(),
    nextAttemptAt: z.date().optional().describe('While pending'),
    createdAt: z.date(),
    finishedAt: z.date().optional(),
    lastStatusCode: z.number().optional(),
    lastError: z.string().optional(),
    batchId: z.string().optional(),
    payload: z.unknown(),
  })
  .meta({ id: 'WebhookDelivery' });

const EndpointParams = z.object({ endpointId: z.string().min(1).max(64) });

/**
 * Webhook endpoints for product teams (producer tokens with webhooks:write to change, webhooks:read to
 * look; admin tokens for everything). A producer token sees and manages only the endpoints it created:
 * another's answers as an unknown one.
 */
export function registerEndpointRoutes(app: FastifyInstance, options: EndpointRoutesOptions): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const read = requireScope(options.tokens, 'webhooks:read');
  const write = requireScope(options.tokens, 'webhooks:write');
  const now = () => options.now?.() ?? new Date();
  const checkUrl = (url: string) => {
    if (url.startsWith('http:') && !options.allowHttp) throw new HttpError('NOTIFY_ERR_VALIDATION', 'body: url: must be https (plain http is refused unless WEBHOOK_ALLOW_HTTP=true)');
  };
  const owned = async (request: FastifyRequest, endpointId: string): Promise<WebhookEndpoint> => {
    const endpoint = await options.webhooks.getEndpoint(endpointId);
    const caller = request.caller!;
    if (!endpoint || (caller.role !== 'admin' && endpoint.owner !== caller.name)) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `no webhook endpoint ${endpointId}`);
    return endpoint;
  };

  api.post(
    '/v1/webhooks/endpoints',
    { preHandler: write, schema: { summary: 'Register an endpoint: it receives the status events its filters ask for, signed with its secret', tags, body: EndpointInput, response: { 201: EndpointWithSecret, ...refusals(400, 401, 403) } } },
    async (request, reply) => {
      checkUrl(request.body.url);
      const at = now();
      const { secret, ...input } = request.body;
      const endpoint: WebhookEndpoint = { id: `we_${randomUUID().replaceAll('-', '')}`, owner: request.caller!.name, ownerRole: request.caller!.role, ...input, secret: secret ?? newSecret(), disabled: false, createdAt: at, updatedAt: at };
      await options.webhooks.createEndpoint(endpoint);
      options.changed();
      return reply.status(201).send(withSecret(endpoint));
    },
  );

  api.get(
    '/v1/webhooks/endpoints',
    { preHandler: read, schema: { summary: 'List endpoints (a producer token: its own)', tags, response: { 200: z.object({ endpoints: z.array(Endpoint) }), ...refusals(401, 403) } } },
    async (request) => {
      const caller = request.caller!;
      const endpoints = await options.webhooks.listEndpoints(caller.role === 'admin' ? {} : { owner: caller.name });
      return { endpoints: endpoints.map(view) };
    },
  );

  api.get(
    '/v1/webhooks/endpoints/:endpointId',
    { preHandler: read, schema: { summary: 'One endpoint', tags, params: EndpointParams, response: { 200: Endpoint, ...refusals(400, 401, 403, 404) } } },
    async (request) => view(await owned(request, request.params.endpointId)),
  );

  api.get(
    '/v1/webhooks/endpoints/:endpointId/secret',
    { preHandler: write, schema: { summary: 'An endpoint’s signing secret (needs webhooks:write)', tags, params: EndpointParams, response: { 200: z.object({ secret: z.string() }), ...refusals(400, 401, 403, 404) } } },
    async (request) => ({ secret: (await owned(request, request.params.endpointId)).secret }),
  );

  api.patch(
    '/v1/webhooks/endpoints/:endpointId',
    { preHandler: write, schema: { summary: 'Change an endpoint: the fields sent replace its own', tags, params: EndpointParams, body: EndpointPatch, response: { 200: Endpoint, ...refusals(400, 401, 403, 404) } } },
    async (request) => {
      await owned(request, request.params.endpointId);
      const body = request.body;
      if (body.url !== undefined) checkUrl(body.url);
      const patch: WebhookEndpointPatch = {};
      if (body.url !== undefined) patch.url = body.url;
      if (body.description !== undefined) patch.description = body.description ?? undefined;
      if (body.statuses !== undefined) patch.statuses = body.statuses;
      if (body.eventTypes !== undefined) patch.eventTypes = body.eventTypes;
      if (body.batch !== undefined) patch.batch = body.batch ?? undefined;
      if (body.disabled !== undefined) Object.assign(patch, { disabled: body.disabled, disabledReason: body.disabled ? `disabled by ${request.caller!.name}` : undefined });
      const updated = await options.webhooks.updateEndpoint(request.params.endpointId, patch, now());
      if (!updated) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `no webhook endpoint ${request.params.endpointId}`);
      options.changed();
      return view(updated);
    },
  );

  api.delete(
    '/v1/webhooks/endpoints/:endpointId',
    { preHandler: write, schema: { summary: 'Delete an endpoint and its deliveries', tags, params: EndpointParams, response: { 204: z.null(), ...refusals(400, 401, 403, 404) } } },
    async (request, reply) => {
      await owned(request, request.params.endpointId);
      await options.webhooks.deleteEndpoint(request.params.endpointId);
      options.changed();
      return reply.status(204).send(null);
    },
  );

  api.post(
    '/v1/webhooks/endpoints/:endpointId/rotate-secret',
    {
      preHandler: write,
      schema: {
        summary: 'Rotate the signing secret: deliveries are signed with both secrets for WEBHOOK_ROTATION_OVERLAP_MS',
        tags,
        params: EndpointParams,
        body: z.object({ secret: SecretInput.optional() }).strict().nullish().describe('Optional: your own new secret'),
        response: { 200: z.object({ secret: z.string(), previousSecretValidUntil: z.date() }), ...refusals(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const endpoint = await owned(request, request.params.endpointId);
      const at = now();
      const secret = request.body?.secret ?? newSecret();
      const until = new Date(at.getTime() + options.secretOverlapMs);
      await options.webhooks.updateEndpoint(endpoint.id, { secret, previousSecret: endpoint.secret, previousSecretUntil: until }, at);
      options.changed();
      return { secret, previousSecretValidUntil: until };
    },
  );

  api.get(
    '/v1/webhooks/endpoints/:endpointId/deliveries',
    {
      preHandler: read,
      schema: {
        summary: 'An endpoint’s deliveries, newest first, a page at a time',
        tags,
        params: EndpointParams,
        querystring: z.object({
          state: z.enum(['pending', 'delivered', 'failed']).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          after: z.string().max(512).optional().describe('The previous page’s next'),
        }),
        response: { 200: z.object({ deliveries: z.array(Delivery), next: z.string().optional().describe('Pass as after for the next page; absent on the last') }), ...refusals(400, 401, 403, 404) },
      },
    },
    async (request) => {
      await owned(request, request.params.endpointId);
      const { state, limit, after } = request.query;
      try {
        const page = await options.webhooks.listDeliveries(request.params.endpointId, { limit, ...(state ? { state } : {}), ...(after ? { after } : {}) });
        return { deliveries: page.deliveries.map(deliveryView), ...(page.next ? { next: page.next } : {}) };
      } catch (err) {
        if (err instanceof RangeError) throw new HttpError('NOTIFY_ERR_VALIDATION', `querystring: after: ${err.message}`);
        throw err;
      }
    },
  );

  api.post(
    '/v1/webhooks/endpoints/:endpointId/deliveries/:deliveryId/retry',
    {
      preHandler: write,
      schema: {
        summary: 'Send a parked (failed) delivery again, with a fresh retry window',
        tags,
        params: EndpointParams.extend({ deliveryId: z.string().min(1).max(64) }),
        response: { 202: Delivery, ...refusals(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await owned(request, request.params.endpointId);
      const delivery = await options.webhooks.getDelivery(request.params.deliveryId);
      if (!delivery || delivery.endpointId !== request.params.endpointId) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `endpoint ${request.params.endpointId} has no delivery ${request.params.deliveryId}`);
      if (!(await options.webhooks.requeue(delivery.id, now()))) throw new HttpError('NOTIFY_ERR_CONFLICT', `delivery ${delivery.id} is ${delivery.state}: only a failed (parked) delivery is retried by hand`);
      options.changed();
      return reply.status(202).send(deliveryView((await options.webhooks.getDelivery(delivery.id))!));
    },
  );

  api.post(
    '/v1/webhooks/endpoints/:endpointId/test',
    { preHandler: write, schema: { summary: 'Send a test event (type webhook.test) through the outbox, signed and retried like any delivery', tags, params: EndpointParams, response: { 202: Delivery, ...refusals(400, 401, 403, 404) } } },
    async (request, reply) => {
      const endpoint = await owned(request, request.params.endpointId);
      const at = now();
      const nonce = randomUUID();
      const delivery: WebhookDelivery = {
        id: deliveryIdOf(endpoint.id, { test: nonce }),
        endpointId: endpoint.id,
        chain: `test:${nonce}`,
        seq: `test:${at.toISOString()}`,
        payload: { type: 'webhook.test', timestamp: at.toISOString(), data: { endpointId: endpoint.id, by: request.caller!.name } },
        state: 'pending',
        attempts: 0,
        nextAttemptAt: at,
        createdAt: at,
        retryFrom: at,
      };
      await options.webhooks.enqueue([delivery]);
      options.changed();
      return reply.status(202).send(deliveryView(delivery));
    },
  );
}

function view({ secret: _secret, previousSecret: _previous, previousSecretUntil: _until, ownerRole: _role, ...endpoint }: WebhookEndpoint) {
  return endpoint;
}

function withSecret(endpoint: WebhookEndpoint) {
  return { ...view(endpoint), secret: endpoint.secret };
}

function deliveryView(d: WebhookDelivery) {
  return {
    id: d.id,
    state: d.state,
    attempts: d.attempts,
    ...(d.state === 'pending' ? { nextAttemptAt: d.nextAttemptAt } : {}),
    createdAt: d.createdAt,
    ...(d.finishedAt ? { finishedAt: d.finishedAt } : {}),
    ...(d.lastStatusCode !== undefined ? { lastStatusCode: d.lastStatusCode } : {}),
    ...(d.lastError !== undefined ? { lastError: d.lastError } : {}),
    ...(d.batchId ? { batchId: d.batchId } : {}),
    payload: d.payload,
  };
}
