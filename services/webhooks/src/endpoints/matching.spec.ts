import { describe, expect, it } from 'vitest';
import type { DeliveryStatus } from '@notify/contracts';
import { endpointWants, typeMatches } from './matching';

const status = (kind: DeliveryStatus['status'], eventType?: string): DeliveryStatus => ({ version: 1, eventId: 'e1', status: kind, service: 'push', at: '2026-12-02T09:00:00.000Z', ...(eventType ? { eventType } : {}) });

describe('endpoint filters', () => {
  it('matches an event type exactly or by a prefix ending in *', () => {
    expect(typeMatches('order.paid', 'order.paid')).toBe(true);
    expect(typeMatches('order.paid', 'order.paid.late')).toBe(false);
    expect(typeMatches('order.*', 'order.paid')).toBe(true);
    expect(typeMatches('order.*', 'orders.paid')).toBe(false);
    expect(typeMatches('*', 'anything')).toBe(true);
  });

  it('wants a status by kind and type; an empty filter wants all; a disabled endpoint wants none', () => {
    const base = { statuses: [] as string[], eventTypes: [] as string[], disabled: false };
    expect(endpointWants(base, status('sent'))).toBe(true);
    expect(endpointWants({ ...base, statuses: ['delivered', 'failed'] }, status('sent'))).toBe(false);
    expect(endpointWants({ ...base, statuses: ['delivered', 'failed'] }, status('failed'))).toBe(true);
    expect(endpointWants({ ...base, eventTypes: ['order.*'] }, status('sent', 'order.paid'))).toBe(true);
    expect(endpointWants({ ...base, eventTypes: ['order.*'] }, status('sent', 'chat.message'))).toBe(false);
    expect(endpointWants({ ...base, eventTypes: ['order.*'] }, status('sent'))).toBe(false);
    expect(endpointWants({ ...base, disabled: true }, status('sent'))).toBe(false);
  });
});
