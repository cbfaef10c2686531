/** One check per dependency (kafka, mongo, socket server); the health routes only combine them. */
export interface HealthCheck {
  readonly name: string;
  /** Resolves when healthy; throws (or rejects) with the reason when not. */
  check(): Promise<void>;
}

export interface HealthReport {
  ok: boolean;
  checks: Record<string, { ok: boolean; error?: string; ms: number }>;
}

/** Runs all checks concurrently, each bounded by a timeout so one hung dependency cannot hang the probe. */
export async function runHealthChecks(checks: readonly HealthCheck[], timeoutMs = 2000): Promise<HealthReport> {
  const results = await Promise.all(
    checks.map(async (hc) => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          hc.check(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return [hc.name, { ok: true, ms: Math.round(performance.now() - started) }] as const;
      } catch (err) {
        return [hc.name, { ok: false, error: (err as Error).message, ms: Math.round(performance.now() - started) }] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ok: results.every(([, r]) => r.ok), checks: Object.fromEntries(results) };
}
