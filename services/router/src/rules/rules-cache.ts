import type { RuleRepository } from '@notify/store';
import type { Logger } from '@notify/observability';
import { RuleSet } from './compile';

/**
 * The rules this router instance evaluates, compiled once per change. A reload that fails keeps the
 * last good rule set: routing never stops because the database blinked.
 */
export class RulesCache {
  private ruleSet = RuleSet.empty();
  private loading: Promise<void> | undefined;
  private pending = false;

  constructor(
    private readonly rules: RuleRepository,
    private readonly logger: Logger,
  ) {}

  get current(): RuleSet {
    return this.ruleSet;
  }

  /** Coalesces bursts: a reload asked for while one runs starts once more after it. */
  reload(): Promise<void> {
    if (this.loading) {
      this.pending = true;
      return this.loading;
    }
    this.loading = (async () => {
      try {
        do {
          this.pending = false;
          const next = RuleSet.compile(await this.rules.list());
          if (next.version !== this.ruleSet.version) this.logger.info({ rules: next.size, skipped: next.skipped }, 'rules reloaded');
          this.ruleSet = next;
        } while (this.pending);
      } catch (err) {
        this.logger.error({ err }, 'reloading rules failed; keeping the previous rules');
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }
}
