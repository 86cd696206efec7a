// Liveness (/healthz: the process serves requests) and readiness (/readyz: every dependency the
// API needs answers). Kubernetes probes and `npm start` use them.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Type } from 'typebox';

export interface ReadinessCheck {
  name: string;
  /** Only critical dependencies decide readiness; the others are reported (sales go on without NATS). */
  critical: boolean;
  check(): Promise<void>;
}

const CheckResult = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('failing')]),
  error: Type.Optional(Type.String()),
});
const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  checks: Type.Record(Type.String(), CheckResult),
});

async function health(app: FastifyInstance, options: { checks: ReadinessCheck[] }) {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['system'],
        summary: 'Liveness: the process is up',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['system'],
        summary: 'Readiness: every dependency answers',
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_request, reply) => {
      const results = await Promise.all(
        options.checks.map(async (readiness) => {
          const { name, critical } = readiness;
          try {
            await withTimeout(readiness.check(), 2000);
            return { name, critical, result: { status: 'ok' as const } };
          } catch (error) {
            // The dependency's name and error class only: messages may carry hosts or credentials.
            return {
              name,
              critical,
              result: { status: 'failing' as const, error: (error as Error).name || 'Error' },
            };
          }
        }),
      );
      const ready = results.every(({ critical, result }) => !critical || result.status === 'ok');
      return reply.code(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'not_ready',
        checks: Object.fromEntries(results.map(({ name, result }) => [name, result])),
      });
    },
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { name: 'TimeoutError' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const healthPlugin = fp(health, { name: 'health', fastify: '5.x' });
