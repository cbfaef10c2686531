export type FailStatus = 500 | 503;

/** What the emulator must do to the request at hand instead of serving it. */
export type Fault<Code extends string = string> =
  | { kind: 'throttle'; retryAfterSeconds?: number }
  | { kind: 'fail'; status: FailStatus; retryAfterSeconds?: number }
  /** Answer with this protocol error (an APNs reason, an FCM error code). */
  | { kind: 'reply'; code: Code };

type PlannedFault<Code extends string> = Fault<Code> & { remaining: number };

/**
 * The fault switches both emulators share. Plans queue up in call order, so
 * `throttle(2); fail(1)` answers two 429s and then one 5xx.
 * @example const plan = new FaultPlan(); plan.throttle(1, 2); plan.take(); // { kind: 'throttle', retryAfterSeconds: 2 }
 */
export class FaultPlan<Code extends string = string> {
  private readonly plans: PlannedFault<Code>[] = [];
  private latency = 0;

  throttle(count: number, retryAfterSeconds?: number): void {
    if (count > 0) this.plans.push({ kind: 'throttle', remaining: count, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) });
  }

  fail(count: number, status: FailStatus = 500, retryAfterSeconds?: number): void {
    if (count > 0) this.plans.push({ kind: 'fail', remaining: count, status, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) });
  }

  reply(count: number, code: Code): void {
    if (count > 0) this.plans.push({ kind: 'reply', remaining: count, code });
  }

  setLatency(ms: number): void {
    this.latency = Math.max(0, ms);
  }

  get latencyMs(): number {
    return this.latency;
  }

  /** Takes the fault for one request, if one is planned. */
  take(): Fault<Code> | undefined {
    const plan = this.plans[0];
    if (!plan) return undefined;
    plan.remaining -= 1;
    if (plan.remaining <= 0) this.plans.shift();
    const { remaining: _remaining, ...fault } = plan;
    return fault as Fault<Code>;
  }

  reset(): void {
    this.plans.length = 0;
    this.latency = 0;
  }
}
