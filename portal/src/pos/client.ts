// The portal's client of a tenant's POS API (ADR 0015): every call carries a fresh portal token for
// the signed-in user, the tenant and the user's role, so the API applies that role's rights and its
// audit log names the user. Answers in problem+json become PosApiError with the API's stable code;
// the token never reaches a log, an error message or the browser.
import { portalTokenSigner, type PortalRole } from '@cloudpos/pos-api';
import { createParser } from 'eventsource-parser';

export class PosApiError extends Error {
  override name = 'PosApiError';
  readonly status: number;
  readonly code: string;
  readonly detail: string | undefined;
  /** The problem's field errors (a bulk call's `/items/3/sku`), for pages that point at the input. */
  readonly errors: readonly { path: string; message: string }[];
  constructor(
    status: number,
    code: string,
    message: string,
    detail?: string,
    errors: readonly { path: string; message: string }[] = [],
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.errors = errors;
  }
}

export interface PosApiResponse<T> {
  data: T;
  /** The version a versioned resource was read at (its ETag without quotes). */
  version: number | undefined;
}

export interface PosApi {
  readonly slug: string;
  get<T>(
    path: string,
    query?: Record<string, string | number | boolean | undefined>,
  ): Promise<PosApiResponse<T>>;
  send<T>(
    method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    options?: { ifMatch?: number },
  ): Promise<PosApiResponse<T>>;
  /** A text body (receipts). */
  text(path: string, query?: Record<string, string>): Promise<string>;
  /**
   * Opens a Server-Sent Events answer (`GET /v1/sales/events`): resolves once the API has answered
   * 200, then calls `onEvent` for each event until the stream ends (`onEnd`, with no error when the
   * API closed it) or `signal` aborts. A refusal rejects with the API's PosApiError.
   */
  watch(
    path: string,
    handlers: { onEvent(event: { type: string; data: string }): void; onEnd(error?: unknown): void },
    signal: AbortSignal,
  ): Promise<void>;
}

export interface PosApiOptions {
  /** The base URL of the tenant's API, `{slug}` replaced (ADR 0015: how the portal finds it). */
  baseUrlTemplate: string;
  platformSecret: string;
  timeoutMs?: number;
}

export function posApiClients(options: PosApiOptions) {
  const sign = portalTokenSigner({ platformSecret: options.platformSecret, ttlSeconds: 300 });
  const timeoutMs = options.timeoutMs ?? 10_000;
  return (tenant: { slug: string; portalUserId: string; role: PortalRole }): PosApi => {
    const base = options.baseUrlTemplate.replaceAll('{slug}', tenant.slug);
    const request = async (
      method: string,
      path: string,
      init: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal },
    ) => {
      const token = await sign({ tenant: tenant.slug, portalUserId: tenant.portalUserId, role: tenant.role });
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...init.headers };
      if (init.body !== undefined) headers['content-type'] = 'application/json';
      let response: Response;
      try {
        response = await fetch(new URL(path, base), {
          method,
          headers,
          ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
          signal: init.signal ?? AbortSignal.timeout(timeoutMs),
        });
      } catch {
        throw new PosApiError(
          503,
          'pos_api_unreachable',
          'The store’s system cannot be reached right now. Try again in a minute.',
        );
      }
      if (!response.ok) throw await errorOf(response);
      return response;
    };
    const versionOf = (response: Response) => {
      const etag = response.headers.get('etag');
      const match = etag ? /^(?:W\/)?"(\d+)"$/.exec(etag) : null;
      return match ? Number(match[1]) : undefined;
    };
    return {
      slug: tenant.slug,
      async get<T>(path: string, query: Record<string, string | number | boolean | undefined> = {}) {
        const response = await request('GET', withQuery(path, query), {});
        return { data: (await response.json()) as T, version: versionOf(response) };
      },
      async send<T>(
        method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
        path: string,
        body?: unknown,
        sendOptions: { ifMatch?: number } = {},
      ) {
        const response = await request(method, path, {
          body,
          headers: sendOptions.ifMatch === undefined ? {} : { 'if-match': `"${sendOptions.ifMatch}"` },
        });
        const data: unknown = response.status === 204 ? undefined : await response.json();
        return { data: data as T, version: versionOf(response) };
      },
      async text(path: string, query: Record<string, string> = {}) {
        return (await request('GET', withQuery(path, query), {})).text();
      },
      async watch(path, handlers, signal) {
        const connection = new AbortController();
        const abort = () => connection.abort();
        signal.addEventListener('abort', abort, { once: true });
        // Answering has the usual deadline; the stream then lasts until it ends or `signal` aborts.
        const deadline = setTimeout(abort, timeoutMs);
        let response: Response;
        try {
          response = await request('GET', path, {
            headers: { accept: 'text/event-stream' },
            signal: connection.signal,
          });
        } catch (error) {
          signal.removeEventListener('abort', abort);
          throw error;
        } finally {
          clearTimeout(deadline);
        }
        const parser = createParser({
          onEvent: (event) => handlers.onEvent({ type: event.event ?? 'message', data: event.data }),
        });
        void (async () => {
          try {
            for await (const chunk of response.body!.pipeThrough(new TextDecoderStream())) parser.feed(chunk);
            handlers.onEnd();
          } catch (error) {
            handlers.onEnd(signal.aborted ? undefined : error);
          } finally {
            signal.removeEventListener('abort', abort);
          }
        })();
      },
    };
  };
}

function withQuery(path: string, query: Record<string, string | number | boolean | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== '') params.set(key, String(value));
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

async function errorOf(response: Response): Promise<PosApiError> {
  let body: {
    code?: unknown;
    title?: unknown;
    detail?: unknown;
    errors?: { path: string; message: string }[];
  } = {};
  try {
    body = (await response.json()) as typeof body;
  } catch {
    // Not problem+json (a proxy's error page): the status speaks.
  }
  const code = typeof body.code === 'string' ? body.code : `http_${response.status}`;
  const detail = typeof body.detail === 'string' ? body.detail : undefined;
  const title =
    typeof body.title === 'string' ? body.title : `The store’s system answered ${response.status}`;
  const fields = body.errors?.map((error) => `${error.path.replace(/^\//, '')}: ${error.message}`).join('; ');
  return new PosApiError(
    response.status,
    code,
    title,
    fields ? `${detail ?? ''} ${fields}`.trim() : detail,
    Array.isArray(body.errors) ? body.errors : [],
  );
}
