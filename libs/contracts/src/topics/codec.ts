import type { z } from 'zod';
import type { DeadLetterReason } from '../envelope/dead-letter';
import { structuralProblem } from '../envelope/limits';
import type { TopicSpec } from './topic-spec';

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: DeadLetterReason; message: string };

const SUPPORTED_VERSION = 1;

/**
 * Turns raw bytes from a topic into a typed value, or says precisely why not.
 * The reason is what ends up on the dead-letter topic, so it must name the field or the limit.
 */
export function decode<T>(spec: TopicSpec<T>, bytes: Uint8Array): Decoded<T> {
  if (bytes.byteLength > spec.maxMessageBytes) {
    return { ok: false, reason: 'too_large', message: `message is ${bytes.byteLength} bytes; ${spec.name} takes at most ${spec.maxMessageBytes}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (err) {
    return { ok: false, reason: 'malformed_json', message: `not JSON: ${(err as Error).message}` };
  }
  return validate(spec, json);
}

/**
 * Validates an already-parsed value (HTTP intake parses JSON itself): its shape first (depth and
 * reserved keys, checked without recursion, so no input can overflow the stack), then its schema.
 * HTTP intake also checks the size with `sizeProblem`, which `decode` does on the bytes.
 */
export function validate<T>(spec: TopicSpec<T>, json: unknown): Decoded<T> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, reason: 'invalid_envelope', message: 'envelope must be a JSON object' };
  }
  const structure = structuralProblem(json);
  if (structure) return { ok: false, reason: 'invalid_envelope', message: structure };
  const version = (json as { version?: unknown }).version;
  if (version === undefined) return { ok: false, reason: 'invalid_envelope', message: 'version: required (current version is 1)' };
  if (version !== SUPPORTED_VERSION) {
    return { ok: false, reason: 'unknown_version', message: `version ${JSON.stringify(version)} is not supported (supported: ${SUPPORTED_VERSION})` };
  }
  const parsed = spec.schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const recipientIssue = parsed.error.issues.find((issue) => issue.path[0] === 'to');
  if (recipientIssue && !('to' in json)) return { ok: false, reason: 'no_recipient', message: 'to: required (userId, userIds or topic)' };
  if (recipientIssue) return { ok: false, reason: 'no_recipient', message: `to: ${describeIssues(parsed.error)}` };
  return { ok: false, reason: 'invalid_envelope', message: describeIssues(parsed.error) };
}

/** A parsed value's size as the topic would carry it, when over the topic's limit: what `decode` says of such bytes. */
export function sizeProblem<T>(spec: TopicSpec<T>, json: unknown): { reason: 'too_large'; message: string } | null {
  const bytes = Buffer.byteLength(JSON.stringify(json), 'utf8');
  return bytes > spec.maxMessageBytes ? { reason: 'too_large', message: `message is ${bytes} bytes; ${spec.name} takes at most ${spec.maxMessageBytes}` } : null;
}

/**
 * A message that can never be published as it is (it breaks the topic's schema or size). The bus
 * dead-letters the message being handled when it is raised, instead of retrying it.
 */
export class EncodeError extends Error {
  constructor(
    readonly reason: 'invalid_envelope' | 'too_large',
    message: string,
  ) {
    super(message);
    this.name = 'EncodeError';
  }
}

/** Encodes a value for the wire after checking it against the topic's schema and size: a producer bug fails loudly at the source. */
export function encode<T>(spec: TopicSpec<T>, value: T): Buffer {
  const parsed = spec.schema.safeParse(value);
  if (!parsed.success) throw new EncodeError('invalid_envelope', `refusing to publish an invalid ${spec.name} message: ${describeIssues(parsed.error)}`);
  const bytes = Buffer.from(JSON.stringify(parsed.data), 'utf8');
  if (bytes.byteLength > spec.maxMessageBytes) throw new EncodeError('too_large', `refusing to publish a ${bytes.byteLength}-byte ${spec.name} message; it takes at most ${spec.maxMessageBytes}`);
  return bytes;
}

/** "payload.amount: expected number; to.userId: required" — short enough for a log line and a 400 body. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
