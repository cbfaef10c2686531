import type apn from '@parse/node-apn';
import { describe, expect, it } from 'vitest';
import { apnsOutcomeOf } from './apns-sender';
import { fcmOutcomeOf } from './fcm-sender';
import { providerReasonOf } from './provider-reason';
import type { SendOutcome } from './push-sender';

/** The reasons as the senders themselves word them, so a change of wording there shows here. */
const apns = (failure: Partial<apn.ResponseFailure>) => apnsOutcomeOf({ device: 'token', ...failure } as apn.ResponseFailure) as Exclude<SendOutcome, { status: 'sent' }>;
const fcm = (code: string, message = 'some text from Google') => fcmOutcomeOf({ code, message }) as Exclude<SendOutcome, { status: 'sent' }>;

describe('providerReasonOf', () => {
  it('keeps the APNs reason Apple answered with', () => {
    expect(providerReasonOf('apns', apns({ status: 410, response: { reason: 'Unregistered' } }))).toBe('Unregistered');
    expect(providerReasonOf('apns', apns({ status: 400, response: { reason: 'BadDeviceToken' } }))).toBe('BadDeviceToken');
    expect(providerReasonOf('apns', apns({ status: 429, response: { reason: 'TooManyRequests' } }))).toBe('TooManyRequests');
  });

  it('keeps the firebase-admin code, never the message after it', () => {
    expect(providerReasonOf('fcm', fcm('messaging/registration-token-not-registered', 'Requested entity was not found.'))).toBe('messaging/registration-token-not-registered');
    expect(providerReasonOf('fcm', fcm('messaging/message-rate-exceeded', 'Quota exceeded for user 42'))).toBe('messaging/message-rate-exceeded');
    expect(providerReasonOf('fcm', fcm('messaging/app/network-error'))).toBe('messaging/app/network-error');
  });

  it('answers a bounded word for anything that is not a listed provider reason', () => {
    // An APNs status with a reason Apple does not list (a proxy's page, a new reason): its status only.
    expect(providerReasonOf('apns', apns({ status: 502, response: { reason: 'Bad Gateway from proxy 10.0.0.7' } }))).toBe('http-502');
    expect(providerReasonOf('apns', apns({ status: 500, response: { reason: 'SomethingNew' } }))).toBe('http-500');
    // No provider answer: a broken stream or connection, with whatever text the library put in its error.
    expect(providerReasonOf('apns', apns({ status: '(timeout)' as never, error: new Error('stream 17 timed out after 5000 ms') }))).toBe('network');
    // An FCM error that carries no code.
    expect(providerReasonOf('fcm', fcmOutcomeOf(new Error('socket hang up')) as Exclude<SendOutcome, { status: 'sent' }>)).toBe('unknown');
    // Refused before leaving: a payload that does not fit, a provider not configured.
    expect(providerReasonOf('apns', { status: 'failed', reason: 'payload too large: 5120 bytes with only the ids left (limit 4096)' })).toBe('not-sent');
    expect(providerReasonOf('fcm', { status: 'failed', reason: 'FCM is not configured on this push service' })).toBe('not-sent');
  });
});
