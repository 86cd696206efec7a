// CSRF protection for every action: a signed double-submit token. The token lives in its own signed
// HttpOnly cookie and in a hidden `csrf` field of every form; a POST whose field does not match its
// cookie, or that comes from another origin, is refused before any action runs.
import { timingSafeEqual } from 'node:crypto';
import { createCookie, type Cookie } from 'react-router';
import { newToken } from './tokens.ts';

export interface Csrf {
  /** The token for this browser, and the Set-Cookie header when a new one was made. */
  tokenFor(request: Request): Promise<{ token: string; setCookie?: string }>;
  /** Whether a state-changing request carries the right token from this origin. */
  verify(request: Request): Promise<boolean>;
}

export function csrfCookie(secrets: string[], secure: boolean): Cookie {
  return createCookie('cloudpos_csrf', { httpOnly: true, sameSite: 'lax', secure, path: '/', secrets });
}

export function doubleSubmitCsrf(cookie: Cookie, publicUrl: string): Csrf {
  const allowedOrigin = new URL(publicUrl).origin;
  const stored = async (request: Request) => {
    const value: unknown = await cookie.parse(request.headers.get('cookie'));
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  };
  return {
    async tokenFor(request) {
      const existing = await stored(request);
      if (existing) return { token: existing };
      const token = newToken();
      return { token, setCookie: await cookie.serialize(token) };
    },
    async verify(request) {
      const origin = request.headers.get('origin');
      if (origin && origin !== allowedOrigin && origin !== new URL(request.url).origin) return false;
      const expected = await stored(request);
      if (!expected) return false;
      let sent: FormDataEntryValue | null;
      try {
        sent = (await request.clone().formData()).get('csrf');
      } catch {
        return false;
      }
      if (typeof sent !== 'string') return false;
      const [a, b] = [Buffer.from(sent), Buffer.from(expected)];
      return a.length === b.length && timingSafeEqual(a, b);
    },
  };
}
