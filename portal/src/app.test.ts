import { describe, expect, it } from 'vitest';
import { redactTokens } from './app.ts';

describe('request logs', () => {
  it('never carry the one-time token of an e-mail link', () => {
    expect(redactTokens('/verify-email?token=abc_DEF-123')).toBe('/verify-email?token=***');
    expect(redactTokens('/x?a=1&token=secret&b=2')).toBe('/x?a=1&token=***&b=2');
    expect(redactTokens('/plans')).toBe('/plans');
  });
});
