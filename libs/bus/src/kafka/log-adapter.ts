import { logLevel, type logCreator } from 'kafkajs';
import type { Logger } from '@notify/observability';

/** Routes kafkajs's own logging into the service's pino logger. */
export function kafkaLogCreator(logger: Logger): logCreator {
  const child = logger.child({ module: 'kafkajs' });
  return () =>
    ({ level, log }) => {
      const { message, ...extra } = log;
      if (level === logLevel.ERROR) child.error(extra, message);
      else if (level === logLevel.WARN) child.warn(extra, message);
      else if (level === logLevel.INFO) child.debug(extra, message);
      else child.trace(extra, message);
    };
}
