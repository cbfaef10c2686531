import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DeadLetterReason, describeIssues } from '@notify/contracts';
import { HttpError, requireToken, type ApiToken } from '@notify/http';
import type { DeadLetterAction } from '@notify/store';
import { actionLog, discardLetters, letterById, listLetters, replayLetters, type DeadLetterDeps, type LetterView } from './handle-dead-letters';

const ListQuery = z
  .object({
    reason: DeadLetterReason.optional(),
    state: z.enum(['open', 'replayed', 'discarded', 'all']).default('open'),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
const LetterIds = z.object({ ids: z.array(z.string().regex(/^\d+:\d+$/, 'a letter id is partition:offset')).min(1).max(1000) }).strict();
const LogQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(200) }).strict();

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HttpError('NOTIFY_ERR_VALIDATION', `${where}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** How long a read waits for the index to hold every letter on the topic now, before it answers with what it has. */
const CATCH_UP_WAIT_MS = 2000;

/**
 * The dead-letter API of the ops console: browse the letters by reason and time, read one's original
 * bytes, replay or discard many at once, and the log of who did what. Admin tokens only; the actor is
 * the token's name.
 */
export function registerDeadLetterRoutes(app: FastifyInstance, deps: DeadLetterDeps & { tokens: readonly ApiToken[]; catchUp: () => Promise<void> }): void {
  const preHandler = requireToken(deps.tokens, ['admin']);
  const base = '/v1/admin/dead-letters';
  const actor = (request: FastifyRequest) => request.caller!.name;
  // Read your dead letters: a letter written just now is in the answer, unless the topic is slow to read.
  const caughtUp = () => Promise.race([deps.catchUp().then(() => true), new Promise<boolean>((resolve) => setTimeout(resolve, CATCH_UP_WAIT_MS, false).unref())]);

  app.get(base, { preHandler }, async (request) => {
    const query = parse(ListQuery, request.query, 'query');
    const complete = await caughtUp();
    const { since, until, ...rest } = query;
    const { letters, matched } = await listLetters(deps, { ...rest, ...(since ? { since: new Date(since) } : {}), ...(until ? { until: new Date(until) } : {}) });
    return { letters: letters.map(summary), matched, caughtUp: complete, index: deps.index.stats() };
  });

  app.get(`${base}/actions`, { preHandler }, async (request) => {
    const { limit } = parse(LogQuery, request.query, 'query');
    return { actions: (await actionLog(deps, limit)).map((a) => ({ ...a, at: a.at.toISOString() })) };
  });

  app.get<{ Params: { id: string } }>(`${base}/:id`, { preHandler }, async (request) => {
    await caughtUp();
    const letter = await letterById(deps, request.params.id);
    if (!letter) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `no dead letter ${request.params.id} (or older than this router holds)`);
    const bytes = Buffer.from(letter.letter.originalBase64, 'base64');
    const text = bytes.toString('utf8');
    // The bytes as text only when they are text: a replacement character means they were not UTF-8.
    return { ...summary(letter), originalBase64: letter.letter.originalBase64, originalText: text.includes('\uFFFD') ? null : text };
  });

  app.post(`${base}/replay`, { preHandler }, async (request) => {
    const { ids } = parse(LetterIds, request.body, 'body');
    return replayLetters(deps, ids, actor(request));
  });

  app.post(`${base}/discard`, { preHandler }, async (request) => {
    const { ids } = parse(LetterIds, request.body, 'body');
    return discardLetters(deps, ids, actor(request));
  });
}

function summary({ id, letter, state, handled }: LetterView) {
  const { originalBase64, ...rest } = letter;
  return { id, ...rest, bytes: Buffer.byteLength(originalBase64, 'base64'), state, ...(handled ? { handled: handledView(handled) } : {}) };
}

function handledView({ actionId, action, actor, at }: DeadLetterAction) {
  return { actionId, action, actor, at: at.toISOString() };
}
