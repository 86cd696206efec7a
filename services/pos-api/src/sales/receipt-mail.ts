// E-mailing a receipt: the request checks the address, the limits and the sale, renders the mail
// from the same receipt document as the printed one, and queues it in the tenant's `receipt_mail`
// table in the request's transaction (with its Idempotency-Key and its audit entry). The worker's
// mail sender sends it over SMTP (ADR 0024), so a mail the API answered 202 for is never lost.
import { currentTraceparent } from '@cloudpos/telemetry';
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { query, tableOf } from '../db/sql.ts';
import { problem } from '../errors.ts';
import { idempotent, type IdempotentResult } from '../idempotency/index.ts';
import type { Counters } from '../limits/counters.ts';
import { tenantKey } from '../limits/keys.ts';
import { buildReceiptDocument, renderMail } from '@cloudpos/receipts';
import { recordAudit } from '../staff/audit.ts';
import { checkPermission } from '../staff/require-permission.ts';
import { staffActorOf, type RequestContext } from '../tenancy/context.ts';
import { checkEmailAddress } from './email-address.ts';
import { receiptData } from './receipt-data.ts';

export type ReceiptMailLimits = Pick<
  Config,
  | 'RECEIPT_MAIL_LIMIT_PER_DEVICE'
  | 'RECEIPT_MAIL_LIMIT_PER_TENANT'
  | 'RECEIPT_MAIL_WINDOW_MS'
  | 'RECEIPT_MAIL_PER_SALE'
>;

export interface QueuedReceiptMail {
  id: string;
  saleId: string;
  /** The address shortened ("j…@example.com"): the whole one is not given back or kept after sending. */
  to: string;
  status: 'queued';
  queuedAt: string;
}

export interface ReceiptMailService {
  queue(
    request: FastifyRequest,
    saleId: string,
    to: string,
    idempotencyKey: string,
  ): Promise<IdempotentResult<QueuedReceiptMail>>;
}

export function receiptMailService(options: {
  counters: Counters;
  limits: ReceiptMailLimits;
  clock: () => Date;
}): ReceiptMailService {
  const { counters, limits, clock } = options;

  /** One more mail from this till and on this tenant, or 429 when either has had its share. */
  async function chargeRateLimits(request: FastifyRequest, deviceId: string): Promise<void> {
    const slug = request.ctx.tenant.slug;
    const windowMs = limits.RECEIPT_MAIL_WINDOW_MS;
    const budgets = [
      [tenantKey(slug, 'receipt-mail-device', deviceId), limits.RECEIPT_MAIL_LIMIT_PER_DEVICE, 'this till'],
      [tenantKey(slug, 'receipt-mail-tenant', 'all'), limits.RECEIPT_MAIL_LIMIT_PER_TENANT, 'this business'],
    ] as const;
    for (const [key, max, who] of budgets) {
      let count;
      try {
        count = await counters.count(key, windowMs);
      } catch (error) {
        // Redis away: the per-sale cap below still bounds what a till can send (every mail needs a
        // completed sale of its own), and a Redis outage must not take the till's receipts down.
        request.log.warn({ err: error }, 'rate limit counters unavailable: receipt mail not limited');
        return;
      }
      if (count.current > max)
        throw problem(
          'receipt_mail_rate_limited',
          `${who} may send at most ${max} receipt e-mails per ${Math.round(windowMs / 60_000)} minutes`,
          { headers: { 'retry-after': String(Math.max(1, Math.ceil(count.ttlMs / 1000))) } },
        );
    }
  }

  return {
    async queue(request, saleId, to, idempotencyKey) {
      const actor = staffActorOf(request.ctx);
      const address = checkEmailAddress(to);
      if (!address.ok)
        throw problem('email_invalid', `the e-mail address ${address.reason}`, {
          extensions: { errors: [{ path: '/to', message: address.reason }] },
        });
      return idempotent(
        request.ctx,
        {
          key: idempotencyKey,
          operation: `POST /v1/sales/${saleId}/receipt/email`,
          request: { to: address.address },
        },
        async (tx: RequestContext) => {
          await checkPermission(request, tx, 'receipt.email', { audit: false });
          const document = buildReceiptDocument(await receiptData(tx, saleId));
          const table = tableOf(tx, 'receipt_mail');
          // Serializes mails of one sale, so two at once cannot both pass the per-sale cap.
          await query(tx, `select id from ${tableOf(tx, 'sale')} where id = $1 for update`, [saleId]);
          const { rows } = await query<{ n: number }>(
            tx,
            `select count(*)::int as n from ${table} where sale_id = $1`,
            [saleId],
          );
          if (rows[0]!.n >= limits.RECEIPT_MAIL_PER_SALE)
            throw problem(
              'receipt_mail_sale_limit',
              `receipt ${document.number} was e-mailed ${rows[0]!.n} times already (at most ${limits.RECEIPT_MAIL_PER_SALE})`,
            );
          await chargeRateLimits(request, actor.deviceId);
          const mail = renderMail(document);
          const id = randomUUID();
          const queuedAt = clock();
          await query(
            tx,
            `insert into ${table} (id, sale_id, recipient, recipient_hint, subject, text_body, html_body,
                                   device_id, staff_id, traceparent, created_at, next_attempt_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
            [
              id,
              saleId,
              address.address,
              address.hint,
              mail.subject,
              mail.text,
              mail.html,
              actor.deviceId,
              actor.staffId,
              currentTraceparent() ?? null,
              queuedAt.toISOString(),
            ],
          );
          // Who sent which receipt, and where to in short: the log keeps no whole address.
          recordAudit(tx, {
            action: 'receipt.email',
            outcome: 'succeeded',
            target: { type: 'sale', id: saleId },
            detail: { mailId: id, to: address.hint, receipt: document.number },
          });
          return {
            statusCode: 202,
            body: { id, saleId, to: address.hint, status: 'queued', queuedAt: queuedAt.toISOString() },
          };
        },
      );
    },
  };
}
