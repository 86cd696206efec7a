// The receipt mail sender: receipt e-mails the POS API queued in a tenant's `receipt_mail` table
// (rendered, in the request's transaction) go out over SMTP, at least once. A pass claims due mails
// with a lease (`next_attempt_at` moves past the try, `for update skip locked`, so two workers never
// take the same mail at once and a worker that dies mid-send leaves it to be taken again), sends
// each in a span that continues the request's trace, and marks it sent. A failure waits longer each
// time; a permanent refusal (SMTP 5xx) or the last attempt gives it up. Either way the customer's
// address is erased once the mail is done with: only its hint ("j…@example.com") stays.
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { extractTraceContext, type Logger } from '@cloudpos/telemetry';
import nodemailer from 'nodemailer';
import type pg from 'pg';
import { Counter, type Registry } from 'prom-client';
import { startPolling, type PollingLoop } from './polling.ts';

const tracer = trace.getTracer('@cloudpos/worker');
const IDENTIFIER = /^[a-z][a-z0-9_]{0,62}$/;

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Sends one mail; a rejection with `responseCode` ≥ 500 is the server's permanent refusal. */
export interface MailTransport {
  send(mail: Mail): Promise<void>;
  close(): void;
}

/** Mail over SMTP (`smtp://` or `smtps://` URL) from `from` ("Receipts <receipts@example.com>"). */
export function smtpTransport(smtpUrl: string, from: string): MailTransport {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(mail) {
      await transport.sendMail({ from, ...mail });
    },
    close: () => transport.close(),
  };
}

export interface ReceiptMailMetrics {
  sent: Counter<'tenant'>;
  failures: Counter<'tenant'>;
  givenUp: Counter<'tenant'>;
}

export function receiptMailMetrics(registry: Registry): ReceiptMailMetrics {
  const counter = (name: string, help: string) =>
    new Counter({ name, help, labelNames: ['tenant'] as const, registers: [registry] });
  return {
    sent: counter('cloudpos_receipt_mail_sent_total', 'Receipt e-mails the SMTP server accepted.'),
    failures: counter(
      'cloudpos_receipt_mail_failures_total',
      'Attempts to send a receipt e-mail that failed (each is retried unless given up).',
    ),
    givenUp: counter(
      'cloudpos_receipt_mail_given_up_total',
      'Receipt e-mails given up: refused by the SMTP server, or failed on every attempt.',
    ),
  };
}

export interface MailTarget {
  /** The tenant's slug, for logs and metrics. */
  tenant: string;
  schema: string;
  pool: pg.Pool;
  transport: MailTransport;
}

export interface MailPolicy {
  batchSize: number;
  /** How long a claimed mail is left to its sender before another may take it. */
  leaseMs: number;
  /** Attempts before a mail is given up. */
  maxAttempts: number;
  /** The wait after the first failure; it doubles with each further one, up to an hour. */
  retryBaseMs: number;
}

export const DEFAULT_MAIL_POLICY: MailPolicy = {
  batchSize: 10,
  leaseMs: 120_000,
  maxAttempts: 8,
  retryBaseMs: 30_000,
};

interface ClaimedMail {
  id: string;
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string;
  traceparent: string | null;
  attempts: number;
}

export interface PassResult {
  sent: number;
  failed: number;
  givenUp: number;
  /** A full batch was claimed: more may be due. */
  more: boolean;
}

/** One pass: claims the mails that are due, sends them one by one, records each outcome. */
export async function sendDueMails(
  target: MailTarget,
  policy: MailPolicy = DEFAULT_MAIL_POLICY,
  hooks: { logger?: Logger; metrics?: ReceiptMailMetrics } = {},
): Promise<PassResult> {
  if (!IDENTIFIER.test(target.schema)) throw new Error(`invalid schema "${target.schema}"`);
  const table = `"${target.schema}".receipt_mail`;
  const { rows } = await target.pool.query<ClaimedMail>(
    `update ${table} set attempts = attempts + 1, next_attempt_at = now() + $2 * interval '1 millisecond'
      where id in (select id from ${table}
                    where sent_at is null and failed_at is null and next_attempt_at <= now()
                    order by next_attempt_at, id limit $1 for update skip locked)
      returning id, recipient, subject, text_body, html_body, traceparent, attempts`,
    [policy.batchSize, policy.leaseMs],
  );
  const result: PassResult = { sent: 0, failed: 0, givenUp: 0, more: rows.length === policy.batchSize };
  const labels = { tenant: target.tenant };
  for (const mail of rows) {
    const error = await sendOne(target, mail);
    if (!error) {
      await target.pool.query(
        `update ${table} set sent_at = now(), recipient = null, last_error = null where id = $1`,
        [mail.id],
      );
      result.sent += 1;
      hooks.metrics?.sent.inc(labels);
      continue;
    }
    hooks.metrics?.failures.inc(labels);
    const reason = describeSmtpError(error);
    const permanent = isPermanent(error);
    if (permanent || mail.attempts >= policy.maxAttempts) {
      await target.pool.query(
        `update ${table} set failed_at = now(), recipient = null, last_error = $2 where id = $1`,
        [mail.id, reason],
      );
      result.givenUp += 1;
      hooks.metrics?.givenUp.inc(labels);
      // The mail's id and the reason; never the address.
      hooks.logger?.warn(
        { tenant: target.tenant, mailId: mail.id, attempts: mail.attempts, reason },
        permanent ? 'receipt mail refused by the SMTP server' : 'receipt mail given up',
      );
    } else {
      const waitMs = Math.min(3_600_000, policy.retryBaseMs * 2 ** (mail.attempts - 1));
      await target.pool.query(
        `update ${table} set next_attempt_at = now() + $2 * interval '1 millisecond', last_error = $3 where id = $1`,
        [mail.id, waitMs, reason],
      );
      result.failed += 1;
      hooks.logger?.warn(
        { tenant: target.tenant, mailId: mail.id, attempts: mail.attempts, retryInMs: waitMs, reason },
        'receipt mail not sent; will retry',
      );
    }
  }
  return result;
}

async function sendOne(target: MailTarget, mail: ClaimedMail): Promise<unknown> {
  const parent = mail.traceparent
    ? extractTraceContext(new Map([['traceparent', mail.traceparent]]))
    : undefined;
  const span = tracer.startSpan(
    'send receipt mail',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'cloudpos.tenant': target.tenant,
        'cloudpos.receipt_mail.id': mail.id,
        'cloudpos.receipt_mail.attempt': mail.attempts,
      },
    },
    parent,
  );
  try {
    await target.transport.send({
      to: mail.recipient,
      subject: mail.subject,
      text: mail.text_body,
      html: mail.html_body,
    });
    return undefined;
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: describeSmtpError(error) });
    return error;
  } finally {
    span.end();
  }
}

/** An SMTP 5xx answer: the server will not take this mail, however often it is offered. */
function isPermanent(error: unknown): boolean {
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/**
 * What went wrong, short and without the address: the SMTP reply code and nodemailer's error code
 * (ECONNECTION, EENVELOPE...), not the message, which may quote the recipient.
 */
function describeSmtpError(error: unknown): string {
  const { code, responseCode, command } = error as {
    code?: unknown;
    responseCode?: unknown;
    command?: unknown;
  };
  const parts = [
    typeof code === 'string' ? code : 'error',
    typeof responseCode === 'number' ? `SMTP ${responseCode}` : undefined,
    typeof command === 'string' ? `at ${command.split(' ')[0]}` : undefined,
  ];
  return parts.filter(Boolean).join(' ').slice(0, 500);
}

export type MailSender = PollingLoop;

/** Sends continuously: a pass every `intervalMs`, at once again after a full batch. */
export function startMailSender(
  target: MailTarget,
  options: {
    logger: Logger;
    metrics?: ReceiptMailMetrics;
    intervalMs?: number;
    policy?: Partial<MailPolicy>;
  },
): MailSender {
  const policy = { ...DEFAULT_MAIL_POLICY, ...options.policy };
  return startPolling(
    async () =>
      (
        await sendDueMails(target, policy, {
          logger: options.logger,
          ...(options.metrics ? { metrics: options.metrics } : {}),
        })
      ).more,
    {
      intervalMs: options.intervalMs ?? 1000,
      onRecovery: () => options.logger.info({ tenant: target.tenant }, 'receipt mail sender recovered'),
      onFailure(error, failures) {
        if (failures === 1 || failures % 20 === 0)
          options.logger.warn(
            { err: error, tenant: target.tenant, failures },
            'receipt mail pass failed; retrying',
          );
      },
    },
  );
}
