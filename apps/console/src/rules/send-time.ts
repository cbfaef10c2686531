/** When a rule's digests go out: at the end of each window, at a fixed local time, or at each user's best hour. */
export type DigestSendTime = { kind: 'window' } | { kind: 'fixed'; sendAt: string } | { kind: 'best'; fallbackAt: string };

/** What a console user starts from when choosing the best hour or a fixed time. */
export const SUGGESTED_LOCAL_TIME = '09:00';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The send time of a definition's digests (parsed JSON); null when the rule does not batch. */
export function digestSendTimeIn(definition: unknown): DigestSendTime | null {
  if (!isObject(definition) || !isObject(definition.outcome) || !isObject(definition.outcome.batching)) return null;
  const { sendAt, fallbackAt } = definition.outcome.batching;
  if (sendAt === 'best') return { kind: 'best', fallbackAt: typeof fallbackAt === 'string' ? fallbackAt : SUGGESTED_LOCAL_TIME };
  if (typeof sendAt === 'string') return { kind: 'fixed', sendAt };
  return { kind: 'window' };
}

/** The definition with its digests sent as chosen; the rest of the definition is untouched (a rule that does not batch is returned as it is). */
export function withDigestSendTime(definition: unknown, choice: DigestSendTime): unknown {
  if (!isObject(definition) || !isObject(definition.outcome) || !isObject(definition.outcome.batching)) return definition;
  const batching: Record<string, unknown> = { ...definition.outcome.batching };
  delete batching.sendAt;
  delete batching.fallbackAt;
  if (choice.kind === 'fixed') batching.sendAt = choice.sendAt;
  if (choice.kind === 'best') Object.assign(batching, { sendAt: 'best', fallbackAt: choice.fallbackAt });
  return { ...definition, outcome: { ...definition.outcome, batching } };
}
