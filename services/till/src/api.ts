// The POS API on the till's own origin (the host names the tenant). Answers that are not 2xx become
// ApiError with the problem's stable code; a request that never got an answer becomes OfflineError.
// Each call is a fetch span (telemetry.ts); `parent` makes it the child of the caller's span.
import { context, type Context } from '@opentelemetry/api';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string | undefined;

  constructor(status: number, code: string, title: string, detail: string | undefined) {
    super(detail ? `${title}: ${detail}` : title);
    this.status = status;
    this.code = code;
    this.title = title;
    this.detail = detail;
  }
}

/** No answer at all: the network or the server is down. Safe to retry with the same key. */
export class OfflineError extends Error {}

export interface ApiRequest {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
  /** What the answer is read as (bytes: an ArrayBuffer). */
  as?: 'json' | 'text' | 'bytes';
  /** The span this call belongs to (tracing.ts's inSpan): the browser loses it across `await`. */
  parent?: Context;
}

export async function api<T>(path: string, request: ApiRequest = {}): Promise<T> {
  let response: Response;
  const send = () =>
    fetch(path, {
      method: request.method ?? 'GET',
      headers: {
        ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(request.token ? { authorization: `Bearer ${request.token}` } : {}),
        ...request.headers,
      },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      cache: 'no-store',
    });
  try {
    response = await (request.parent ? context.with(request.parent, send) : send());
  } catch (error) {
    throw new OfflineError(error instanceof Error ? error.message : String(error));
  }
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as {
      code?: string;
      title?: string;
      detail?: string;
    };
    // A gateway answering for a server that is down is as good as no answer.
    if (!problem.code && response.status >= 500) throw new OfflineError(`HTTP ${response.status}`);
    throw new ApiError(
      response.status,
      problem.code ?? `http_${response.status}`,
      problem.title ?? response.statusText,
      problem.detail,
    );
  }
  if (response.status === 204) return undefined as T;
  if (request.as === 'bytes') return (await response.arrayBuffer()) as T;
  return (request.as === 'text' ? await response.text() : await response.json()) as T;
}

/** Whether a failed request may succeed later unchanged (server busy or down, rate limited). */
export function isRetryable(error: unknown): boolean {
  if (error instanceof OfflineError) return true;
  return error instanceof ApiError && (error.status >= 500 || error.status === 429);
}
