import { afterEach, beforeEach, describe } from 'vitest';
import { deadLetterActionContract } from './dead-letters/dead-letter-action.contract';
import { deliveryLogByUserContract, deliveryLogContract } from './delivery-log/delivery-log.contract';
import { deviceContract } from './devices/device.contract';
import { digestContract } from './digests/digest.contract';
import { idempotencyContract } from './idempotency/idempotency.contract';
import { inboxContract } from './inbox/inbox.contract';
import { preferencesContract } from './preferences/preferences.contract';
import { retentionContract } from './retention.contract';
import { ruleContract } from './rules/rule.contract';
import { sendTimeContract } from './send-times/send-time.contract';
import { topicContract } from './topics/topic.contract';
import { webhookContract } from './webhooks/webhook.contract';
import { budgetContract } from './budgets/budget.contract';
import { escalationContract } from './escalations/escalation.contract';
import type { Store } from './store';

/** Hands each test a fresh, empty store. */
export interface StoreFixture {
  store(): Store;
}

/** The one suite both implementations must pass. `open` returns an empty store and how to dispose of it. */
export function describeStoreContract(name: string, open: () => Promise<{ store: Store; dispose: () => Promise<void> }>): void {
  describe(`store contract: ${name}`, () => {
    let current: { store: Store; dispose: () => Promise<void> } | undefined;
    beforeEach(async () => {
      current = await open();
    });
    afterEach(async () => {
      await current?.dispose();
    });
    const fixture: StoreFixture = { store: () => current!.store };
    describe('devices', () => deviceContract(fixture));
    describe('inbox', () => inboxContract(fixture));
    describe('preferences', () => preferencesContract(fixture));
    describe('rules', () => ruleContract(fixture));
    describe('digests', () => digestContract(fixture));
    describe('delivery log', () => deliveryLogContract(fixture));
    describe('delivery log by user', () => deliveryLogByUserContract(fixture));
    describe('idempotency', () => idempotencyContract(fixture));
    describe('topics', () => topicContract(fixture));
    describe('dead-letter actions', () => deadLetterActionContract(fixture));
    describe('webhooks', () => webhookContract(fixture));
    describe('send times', () => sendTimeContract(fixture));
    describe('retention', () => retentionContract(fixture));
    describe('budgets', () => budgetContract(fixture));
    describe('escalations', () => escalationContract(fixture));
  });
}
