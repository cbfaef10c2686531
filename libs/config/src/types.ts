import { z } from 'zod';

/** Parsers for environment strings. Each error message is what the operator reads next to the variable name. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0, 'must be a port number').max(65535, 'must be a port number').default(fallback),
  int: (fallback: number, min = 0) => z.coerce.number().int(`must be a whole number`).min(min, `must be at least ${min}`).default(fallback),
  /** A positive number with a fraction allowed (0.5 days is 12 hours). */
  positive: (fallback: number) => z.coerce.number({ error: 'must be a number' }).positive('must be above 0').default(fallback),
  string: (fallback: string) => z.string().min(1).default(fallback),
  optionalString: () => z.string().min(1).optional(),
  requiredString: () => z.string({ error: 'required but not set' }).min(1),
  boolean: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  list: () =>
    z
      .string()
      .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
      .pipe(z.array(z.string()).min(1, 'must list at least one value')),
  mongoUrl: () => z.string().regex(/^mongodb(\+srv)?:\/\/.+/, 'must be a mongodb:// URL'),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be one of fatal, error, warn, info, debug, trace, silent' }).default('info'),
};
