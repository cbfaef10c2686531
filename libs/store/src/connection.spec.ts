import { describe, expect, it } from 'vitest';
import { redactUrl } from './connection';

describe('redactUrl', () => {
  it('removes credentials wherever a URL appears, and leaves the rest', () => {
    expect(redactUrl('mongodb://ops:s3cret@db.internal:27017/notify?authSource=admin')).toBe('mongodb://***@db.internal:27017/notify?authSource=admin');
    expect(redactUrl('mongodb+srv://ops@cluster.example.net/notify')).toBe('mongodb+srv://***@cluster.example.net/notify');
    expect(redactUrl('failed for mongodb://a:b@h1/x and mongodb://c:d@h2/y')).toBe('failed for mongodb://***@h1/x and mongodb://***@h2/y');
    expect(redactUrl('mongodb://127.0.0.1:27017/notify')).toBe('mongodb://127.0.0.1:27017/notify');
  });
});
