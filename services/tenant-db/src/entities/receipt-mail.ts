import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Sale } from './sales.ts';
import { StaffMember } from './staff-member.ts';
import { TillDevice } from './till-device.ts';

/**
 * A receipt e-mail a till asked for: written in the request's transaction with the mail already
 * rendered (so what is sent is the receipt as it was when asked for), sent by the worker's mail
 * sender over SMTP, at least once. The customer's address is kept only until the mail is sent or
 * given up; `recipientHint` ("j…@example.com") is what stays for the audit log and the till.
 */
export const ReceiptMail = defineEntity({
  name: 'ReceiptMail',
  tableName: 'receipt_mail',
  schema: '*',
  properties: {
    id: p.uuid().primary(),
    sale: p.manyToOne(Sale),
    /** The address as the customer gave it (validated); null once sent or given up. */
    recipient: p.string().length(254).nullable(),
    recipientHint: p.string().length(254),
    subject: p.string().length(300),
    textBody: p.text(),
    htmlBody: p.text(),
    device: p.manyToOne(TillDevice).nullable(),
    staff: p.manyToOne(StaffMember).nullable(),
    /** W3C trace context of the request, so the send continues its trace. */
    traceparent: p.string().length(64).nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    attempts: p.integer().default(0),
    /** When the sender may try (again); a claimed mail is pushed forward for the length of a try. */
    nextAttemptAt: p.datetime().defaultRaw('now()'),
    sentAt: p.datetime().nullable(),
    /** Given up after the last attempt (the reason in lastError). */
    failedAt: p.datetime().nullable(),
    lastError: p.string().length(500).nullable(),
  },
  indexes: [{ properties: ['sentAt', 'failedAt', 'nextAttemptAt'] }],
});

export type ReceiptMail = InferEntity<typeof ReceiptMail>;
