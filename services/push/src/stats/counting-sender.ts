import { providerReasonOf } from '../senders/provider-reason';
import type { PushMessage, PushSender, SendOutcome } from '../senders/push-sender';
import { countReason, type ProviderTally, type PushStats } from './push-stats';

/**
 * A provider's sender that counts what it sends in `stats`, per app: in flight while the provider
 * has it, then sent, failed (by the provider's short reason) or retried. A retry on the last
 * attempt (`maxAttempts`, the lanes' retry policy) is counted as failed: the push gives up there.
 * Costs two map lookups and a few increments per push; reasons are worked out only for refusals.
 * @example const apns = new CountingSender(new ApnsSender(options), stats, 4);
 */
export class CountingSender implements PushSender {
  readonly provider: PushSender['provider'];

  constructor(
    private readonly sender: PushSender,
    private readonly stats: PushStats,
    private readonly maxAttempts: number,
  ) {
    this.provider = sender.provider;
  }

  async send(messages: readonly PushMessage[]): Promise<SendOutcome[]> {
    for (const m of messages) this.stats.tallyOf(this.provider, m.device.appId).inFlight++;
    let outcomes: SendOutcome[] | undefined;
    try {
      outcomes = await this.sender.send(messages);
      return outcomes;
    } finally {
      // A sender that threw has answered nothing: its pushes only leave the in-flight count.
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i]!;
        const tally = this.stats.tallyOf(this.provider, m.device.appId);
        tally.inFlight--;
        const outcome = outcomes?.[i];
        if (outcome) this.count(tally, outcome, m.attempt ?? 1);
      }
    }
  }

  close(): Promise<void> {
    return this.sender.close();
  }

  private count(tally: ProviderTally, outcome: SendOutcome, attempt: number): void {
    if (outcome.status === 'sent') tally.sent++;
    else if (outcome.status === 'retry' && attempt < this.maxAttempts) countReason(tally.retries, providerReasonOf(this.provider, outcome));
    else countReason(tally.failed, providerReasonOf(this.provider, outcome));
  }
}
