// RFC 9457 problem details for the portal's JSON endpoints, with a stable `code`.
import type { FastifyReply } from 'fastify';

const TITLES: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 500: 'Internal Server Error' };

export function problem(reply: FastifyReply, status: number, code: string, detail: string) {
  return reply
    .code(status)
    .type('application/problem+json')
    .send({
      type: `https://cloudpos.io/problems/${code}`,
      title: TITLES[status] ?? 'Error',
      status,
      code,
      detail,
    });
}
