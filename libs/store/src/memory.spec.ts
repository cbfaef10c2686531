import { createMemoryStore } from './store';
import { describeStoreContract } from './store.contract';

describeStoreContract('in-memory', async () => ({ store: createMemoryStore(), dispose: async () => {} }));
