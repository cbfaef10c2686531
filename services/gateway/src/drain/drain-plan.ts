/**
 * When each connection is asked to leave during a drain: spread evenly over the window in random
 * order, each with a little jitter, so the other instances see a steady trickle of reconnects rather
 * than a thundering herd. Pure, so the spread can be tested.
 */
export function planDrain<T>(connections: readonly T[], windowMs: number, random: () => number = Math.random): Array<{ connection: T; atMs: number }> {
  const shuffled = [...connections];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  const slot = shuffled.length > 0 ? windowMs / shuffled.length : 0;
  return shuffled.map((connection, i) => ({ connection, atMs: Math.floor(i * slot + random() * slot) }));
}

/** How long a drained client waits before reconnecting: short and jittered, the spreading is done by the plan. */
export function reconnectAdvice(random: () => number = Math.random, maxMs = 1000): number {
  return Math.floor(random() * maxMs);
}
