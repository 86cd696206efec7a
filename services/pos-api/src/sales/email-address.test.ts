// The receipt address check, as a table: what a customer types is accepted as one address (with its
// domain in ASCII), and anything that could add a recipient or a header is refused with a reason.
import { describe, expect, it } from 'vitest';
import { checkEmailAddress } from './email-address.ts';

describe('checkEmailAddress', () => {
  it.each([
    ['jane@example.com', 'jane@example.com', 'j…@example.com'],
    ['  Jane.Doe+receipts@Example.COM ', 'Jane.Doe+receipts@example.com', 'J…@example.com'],
    ["o'brien@mail.example.co.uk", "o'brien@mail.example.co.uk", 'o…@mail.example.co.uk'],
    ['kunde@bäckerei.de', 'kunde@xn--bckerei-5wa.de', 'k…@xn--bckerei-5wa.de'],
    ['a@b.io', 'a@b.io', 'a…@b.io'],
    [`${'x'.repeat(64)}@example.com`, `${'x'.repeat(64)}@example.com`, 'x…@example.com'],
  ])('accepts %j as %j', (input, address, hint) => {
    expect(checkEmailAddress(input)).toEqual({ ok: true, address, hint });
  });

  it.each([
    ['', 'is empty'],
    ['   ', 'is empty'],
    ['jane@example.com\r\nBcc: everyone@example.org', 'no line breaks'],
    ['jane@example.com\n', 'no line breaks'],
    ['jane\t@example.com', 'no line breaks'],
    ['jane@example.com%0d%0aBcc:x@example.org', 'bare address'],
    ['Jane <jane@example.com>', 'bare address'],
    ['jane@example.com, joe@example.com', 'bare address'],
    ['jane@example.com;joe@example.com', 'bare address'],
    ['"jane doe"@example.com', 'bare address'],
    ['jane(comment)@example.com', 'bare address'],
    ['jane@[127.0.0.1]', 'bare address'],
    ['jane.example.com', 'exactly one @'],
    ['jane@doe@example.com', 'exactly one @'],
    ['@example.com', 'nothing before the @'],
    ['jane@', 'no domain'],
    ['.jane@example.com', 'two dots in a row'],
    ['jane.@example.com', 'two dots in a row'],
    ['ja..ne@example.com', 'two dots in a row'],
    ['jäne@example.com', 'only ASCII'],
    [`${'x'.repeat(65)}@example.com`, 'more than 64'],
    ['jane@localhost', 'not a valid internet name'],
    ['jane@-example.com', 'not a valid internet name'],
    ['jane@example..com', 'not a valid internet name'],
    ['jane@exa_mple.com', 'not a valid internet name'],
    ['jane@127.0.0.1', 'not an IP address'],
    [`jane@${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(60)}.com`, 'longer than 254'],
  ])('refuses %j (%s)', (input, reason) => {
    const check = checkEmailAddress(input);
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.reason).toContain(reason);
  });
});
