import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DeadLetterReason } from '@notify/contracts';
import { HttpError, refusals, requireToken, type ApiToken, type ZodTypeProvider } from '@notify/http';
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

const LetterParams = z.object({ id: z.string().regex(/^\d+:\d+$/, 'a letter id is partition:offset') });
const Letter = z
  .looseObject({ id: z.string().describe('partition:offset on notify.dlq'), reason: z.string(), failedAt: z.string(), bytes: z.number(), state: z.enum(['open', 'replayed', 'discarded']) })
  .meta({ id: 'DeadLetter' });
const ActionResult = z
  .object({ actionId: z.string(), done: z.array(z.string()).describe('The letters this action handled'), skipped: z.array(z.object({ id: z.string(), why: z.string() })).describe('The letters it left alone, and why') })
  .meta({ id: 'DeadLetterActionResult' });
const LetterList = z.looseObject({ letters: z.array(Letter), matched: z.number(), caughtUp: z.boolean().describe('False when the topic was slow to read: letters written just now may be missing') });
const ActionLog = z.object({ actions: z.array(z.looseObject({ actionId: z.string(), action: z.string(), actor: z.string(), at: z.string() })) });
const tags = ['dead letters'];

/** How long a read waits for the index to hold every letter on the topic now, before it answers with what it has. */
const CATCH_UP_WAIT_MS = 2000;

/**
 * The dead-letter API of the ops console: browse the letters by reason and time, read one's original
 * bytes, replay or discard many at once, and the log of who did what. Admin tokens only; the actor is
 * the token's name.
 */
export function registerDeadLetterRoutes(app: FastifyInstance, deps: DeadLetterDeps & { tokens: readonly ApiToken[]; catchUp: () => Promise<void> }): void {
  const preValidation = requireToken(deps.tokens, ['admin']);
  const base = '/v1/admin/dead-letters';
  const actor = (request: FastifyRequest) => request.caller!.name;
  // Read your dead letters: a letter written just now is in the answer, unless the topic is slow to read.
  const caughtUp = () => Promise.race([deps.catchUp().then(() => true), new Promise<boolean>((resolve) => setTimeout(resolve, CATCH_UP_WAIT_MS, false).unref())]);

  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    base,
    { preValidation, schema: { summary: 'Dead letters by reason, state and time, newest first', tags, querystring: ListQuery, response: { 200: LetterList, ...refusals(400, 401, 403) } } },
    async (request) => {
      const complete = await caughtUp();
      const { since, until, ...rest } = request.query;
      const { letters, matched } = await listLetters(deps, { ...rest, ...(since ? { since: new Date(since) } : {}), ...(until ? { until: new Date(until) } : {}) });
      const answer = { letters: letters.map(summary), matched, caughtUp: complete, index: deps.index.stats() };
      return answer as typeof answer & z.infer<typeof LetterList>;
    },
  );

  api.get(`${base}/actions`, { preValidation, schema: { summary: 'Who replayed or discarded which letters, newest first', tags, querystring: LogQuery, response: { 200: ActionLog, ...refusals(400, 401, 403) } } }, async (request) => {
    const answer = { actions: (await actionLog(deps, request.query.limit)).map((a) => ({ ...a, at: a.at.toISOString() })) };
    return answer as typeof answer & z.infer<typeof ActionLog>;
  });

  api.get(
    `${base}/:id`,
    { preValidation, schema: { summary: 'One dead letter with its original bytes', tags, params: LetterParams, response: { 200: Letter.extend({ originalBase64: z.string(), originalText: z.string().nullable().describe('The bytes as text, when they are UTF-8') }), ...refusals(400, 401, 403, 404) } } },
    async (request) => {
      await caughtUp();
      const letter = await letterById(deps, request.params.id);
      if (!letter) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `no dead letter ${request.params.id} (or older than this router holds)`);
      const bytes = Buffer.from(letter.letter.originalBase64, 'base64');
      const text = bytes.toString('utf8');
      // The bytes as text only when they are text: a replacement character means they were not UTF-8.
      const answer = { ...summary(letter), originalBase64: letter.letter.originalBase64, originalText: text.includes('\uFFFD') ? null : text };
      return answer as typeof answer & z.infer<typeof Letter>;
    },
  );

  api.post(`${base}/replay`, { preValidation, schema: { summary: 'Publish letters again on the topic they failed on', tags, body: LetterIds, response: { 200: ActionResult, ...refusals(400, 401, 403) } } }, async (request) => {
    return replayLetters(deps, request.body.ids, actor(request));
  });

  api.post(`${base}/discard`, { preValidation, schema: { summary: 'Set letters aside for good', tags, body: LetterIds, response: { 200: ActionResult, ...refusals(400, 401, 403) } } }, async (request) => {
    return discardLetters(deps, request.body.ids, actor(request));
  });
}

function summary({ id, letter, state, handled }: LetterView) {
  const { originalBase64, ...rest } = letter;
  return { id, ...rest, bytes: Buffer.byteLength(originalBase64, 'base64'), state, ...(handled ? { handled: handledView(handled) } : {}) };
}

function handledView({ actionId, action, actor, at }: DeadLetterAction) {
  return { actionId, action, actor, at: at.toISOString() };
}
