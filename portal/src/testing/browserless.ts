// A minimal browser for in-process tests of loaders and actions: it keeps cookies, reads the CSRF
// token from the page, and posts forms as a browser does (no redirects followed automatically).
export class FormClient {
  private readonly cookies = new Map<string, string>();
  private readonly base: string;
  constructor(base: string) {
    this.base = base;
  }

  /** `signal` ends a long answer (an event stream) early. */
  async get(path: string, init: { signal?: AbortSignal } = {}): Promise<Response> {
    return this.send(path, { method: 'GET', ...init });
  }

  /** The CSRF token of this client's cookie, as the page renders it in every form. */
  async csrf(path = '/login'): Promise<string> {
    const html = await (await this.get(path)).text();
    const token = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
    if (!token) throw new Error(`no CSRF field on ${path}`);
    return token;
  }

  async post(
    path: string,
    fields: Record<string, string>,
    options: { csrf?: string | null } = {},
  ): Promise<Response> {
    const token = options.csrf === undefined ? await this.csrf(path) : options.csrf;
    const body = new URLSearchParams({ ...fields, ...(token === null ? {} : { csrf: token }) });
    return this.send(path, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: this.base },
    });
  }

  /** A multipart form with files, as a browser posts a file input (`encType="multipart/form-data"`). */
  async upload(
    path: string,
    fields: Record<string, string | File>,
    options: { csrf?: string | null } = {},
  ): Promise<Response> {
    const token = options.csrf === undefined ? await this.csrf(path) : options.csrf;
    const body = new FormData();
    for (const [name, value] of Object.entries(fields)) body.set(name, value);
    if (token !== null) body.set('csrf', token);
    return this.send(path, { method: 'POST', body, headers: { origin: this.base } });
  }

  private async send(path: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0)
      headers.set('cookie', [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await fetch(new URL(path, this.base), { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...value] = pair!.split('=');
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name!);
      else this.cookies.set(name!, value.join('='));
    }
    return response;
  }
}
