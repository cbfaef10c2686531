import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

/** The process's root logger; modules take `logger.child({ module })` so every line says where it came from. */
export function createLogger(service: string, level: LevelWithSilent = 'info'): Logger {
  return pino({ level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime });
}

/** A logger that writes nothing, for tests and tools. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
