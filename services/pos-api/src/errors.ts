// Errors as RFC 9457 problem details with stable codes. Handlers throw ProblemError; everything
// else a client can cause (validation, unknown routes, bad JSON) is mapped here too, so a client
// mistake is never a 500.
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';

export const PROBLEM_BASE = 'https://cloudpos.io/problems/';

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  errors?: { path: string; message: string }[];
}

export class ProblemError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  constructor(status: number, code: string, title: string, detail?: string) {
    super(detail ?? title);
    this.status = status;
    this.code = code;
    this.title = title;
  }
}

export function sendProblem(reply: FastifyReply, problem: Omit<Problem, 'type'>): FastifyReply {
  return reply
    .code(problem.status)
    .type('application/problem+json')
    .send({ type: `${PROBLEM_BASE}${problem.code.replaceAll('_', '-')}`, ...problem });
}

async function problemDetails(app: FastifyInstance) {
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, {
      status: 404,
      code: 'route_not_found',
      title: 'No such route',
      detail: `${request.method} ${request.url.split('?')[0]} does not exist`,
    }),
  );

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ProblemError) {
      return sendProblem(reply, {
        status: error.status,
        code: error.code,
        title: error.title,
        detail: error.message,
      });
    }
    if (error.validation) {
      return sendProblem(reply, {
        status: 400,
        code: 'validation_failed',
        title: 'The request is not valid',
        detail: error.message,
        errors: error.validation.map((issue) => ({
          path: issue.instancePath || '/',
          message: issue.message ?? 'invalid',
        })),
      });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own client errors (malformed JSON, body too large, unsupported media type...).
      return sendProblem(reply, {
        status,
        code: (error.code ?? 'bad_request').toLowerCase().replace(/^fst_err_/, ''),
        title: 'The request could not be processed',
        detail: error.message,
      });
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, { status: 500, code: 'internal_error', title: 'Internal server error' });
  });
}

export const problemDetailsPlugin = fp(problemDetails, { name: 'problem-details', fastify: '5.x' });
