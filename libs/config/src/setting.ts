import type { z } from 'zod';
import { ConfigError } from './config-error';
import { environment } from './env-file';

export { ConfigError } from './config-error';

/** One environment variable: its name, how it is parsed, and what it is for (the README table comes from this). */
export interface Setting<T> {
  readonly variable: string;
  readonly schema: z.ZodType<T>;
  readonly description: string;
  /** A secret (password, key, token): a problem with it is reported by the variable's name alone, never with its value. */
  readonly secret?: boolean;
}

export function setting<T>(variable: string, schema: z.ZodType<T>, description: string, options: { secret?: boolean } = {}): Setting<T> {
  return { variable, schema, description, ...(options.secret ? { secret: true } : {}) };
}

export type Settings = Record<string, Setting<unknown>>;
export type ConfigOf<S extends Settings> = { readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

/**
 * Reads and validates every setting at once, so one start-up attempt reports all problems. Without
 * `env`, the process's environment over its settings file (`.env` at the workspace root, or ENV_FILE).
 */
export function loadConfig<S extends Settings>(settings: S, env: NodeJS.ProcessEnv = environment()): ConfigOf<S> {
  const config: Record<string, unknown> = {};
  const problems: Array<{ variable: string; message: string }> = [];
  for (const [key, def] of Object.entries(settings)) {
    const raw = env[def.variable];
    const parsed = def.schema.safeParse(raw === '' ? undefined : raw);
    if (parsed.success) config[key] = parsed.data;
    else problems.push({ variable: def.variable, message: describe(parsed.error, def.secret ? undefined : raw, raw !== undefined && raw !== '') });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config as ConfigOf<S>;
}

/** What is wrong with a setting; its value is shown only when given (`shown`), which a secret's never is. */
function describe(error: z.ZodError, shown: string | undefined, set: boolean): string {
  if (!set) return 'required but not set';
  const issues = error.issues.map((i) => i.message).join('; ');
  return shown === undefined ? `${issues} (value not shown: it is a secret)` : `${issues} (got ${JSON.stringify(shown)})`;
}

/** Rows for documentation: variable, default (or "required"), description. */
export function describeSettings(settings: Settings): Array<{ variable: string; defaultValue: string; description: string }> {
  return Object.values(settings).map((def) => {
    const probe = def.schema.safeParse(undefined);
    const defaultValue = !probe.success ? 'required' : probe.data === undefined ? '(unset)' : formatDefault(probe.data);
    return { variable: def.variable, defaultValue, description: def.description };
  });
}

function formatDefault(value: unknown): string {
  if (Array.isArray(value)) return value.join(',');
  if (value === '') return '(empty)';
  return String(value);
}
