import { HttpError } from './errors';

/**
 * Waits for `work` at most `ms`: past that the caller gets a 503 NOTIFY_ERR_UNAVAILABLE with `reason`
 * instead of a request held until a dependency's own retries give up (a client's timeout is usually
 * shorter, and a held request is a held connection). The work itself goes on; its late failure is
 * only logged by whoever started it.
 */
export async function answerWithin<T>(ms: number, work: Promise<T>, reason: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HttpError('NOTIFY_ERR_UNAVAILABLE', reason)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
