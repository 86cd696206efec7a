// The customer's e-mail address for a receipt, checked before anything is queued. Strict on
// purpose: one bare address (no display name, no list, no comments, no quoted local part), so that
// nothing a till sends can become a second recipient or an extra mail header (CR/LF injection), and
// so that the address an SMTP server receives is the one the cashier saw. The domain may be an
// internationalized name (sent as its ASCII, punycode form); the local part must be ASCII, as
// servers without SMTPUTF8 refuse anything else.
import { domainToASCII } from 'node:url';

export type EmailAddressCheck = { ok: true; address: string; hint: string } | { ok: false; reason: string };

/** RFC 5321: 64 for the local part, 254 for a whole address in a reverse or forward path. */
const MAX_LOCAL = 64;
const MAX_ADDRESS = 254;
/** RFC 5322 atext: what a dot-atom's parts may hold. */
const ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function checkEmailAddress(input: string): EmailAddressCheck {
  const address = input.trim();
  // Line breaks and other control characters anywhere (the trim above has taken only spaces at the
  // ends, and a CR or LF there would have been taken too: refuse them before trimming).
  if (/\p{Cc}/u.test(input.replace(/^ +| +$/g, '')))
    return { ok: false, reason: 'must be one address on one line: no line breaks or control characters' };
  if (address === '') return { ok: false, reason: 'is empty' };
  if (/[\s,;<>()[\]\\":]/u.test(address))
    return {
      ok: false,
      reason: 'must be one bare address (name@example.com): no spaces, names, quotes, commas or brackets',
    };
  const at = address.lastIndexOf('@');
  if (at < 0 || address.indexOf('@') !== at)
    return { ok: false, reason: 'must contain exactly one @ (name@example.com)' };
  const local = address.slice(0, at);
  const domainAsTyped = address.slice(at + 1);
  if (local === '') return { ok: false, reason: 'has nothing before the @' };
  if (local.length > MAX_LOCAL)
    return { ok: false, reason: `has more than ${MAX_LOCAL} characters before the @` };
  if (!/^[\x21-\x7e]+$/.test(local))
    return { ok: false, reason: 'may use only ASCII letters, digits and . _ + - before the @' };
  if (!local.split('.').every((part) => ATOM.test(part)))
    return { ok: false, reason: 'has a dot at the start or end, or two dots in a row, before the @' };
  if (domainAsTyped === '') return { ok: false, reason: 'has no domain after the @' };
  const domain = domainToASCII(domainAsTyped.toLowerCase());
  const labels = domain.split('.');
  if (domain === '' || labels.length < 2 || !labels.every((label) => LABEL.test(label)))
    return { ok: false, reason: `has a domain that is not a valid internet name: ${domainAsTyped}` };
  // A top-level domain is never all digits: this also refuses bare IPv4 addresses.
  if (/^[0-9]+$/.test(labels.at(-1)!)) return { ok: false, reason: 'must name a domain, not an IP address' };
  const normalized = `${local}@${domain}`;
  if (normalized.length > MAX_ADDRESS)
    return { ok: false, reason: `is longer than ${MAX_ADDRESS} characters` };
  return { ok: true, address: normalized, hint: addressHint(local, domain) };
}

/** What stays after sending (audit log, the till's answer): "j…@example.com". */
export function addressHint(local: string, domain: string): string {
  return `${local[0]}…@${domain}`;
}
