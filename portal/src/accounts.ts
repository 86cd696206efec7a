// Merchant accounts: sign-up (the first user is the account's owner), e-mail verification and
// log-in, rate limited per client address and per e-mail (a lockout after repeated failures).
import type { z } from 'zod';
import type { logInSchema, signUpSchema } from '../app/forms.ts';
import { audit } from './audit.ts';
import { inTransaction } from './db/transaction.ts';
import { PortalError } from './errors.ts';
import { verificationMail, type Mailer } from './mail.ts';
import { decoyHash, hashPassword, verifyPassword } from './passwords.ts';
import { clearLimit, hitLimit } from './rate-limit.ts';
import { newToken, tokenHash } from './tokens.ts';
import type pg from 'pg';

export interface AccountsContext {
  db: pg.Pool;
  mailer: Mailer;
  publicUrl: string;
}

export interface PortalUser {
  id: string;
  accountId: string;
  accountName: string;
  email: string;
  role: 'owner' | 'manager';
  emailVerified: boolean;
}

const tooMany = () => new PortalError('rate_limited', 'Too many attempts. Wait a few minutes and try again.');

const VERIFY_TTL_HOURS = 24;

export async function signUp(
  ctx: AccountsContext,
  input: z.output<typeof signUpSchema>,
  clientAddress: string,
): Promise<{ userId: string }> {
  if (!(await hitLimit(ctx.db, { key: `signup:ip:${clientAddress}`, max: 10, windowSeconds: 3600 })))
    throw tooMany();
  const passwordHash = await hashPassword(input.password);
  const token = newToken();
  const userId = await inTransaction(ctx.db, async (tx) => {
    const taken = await tx.query('select 1 from platform.app_user where lower(email) = $1', [input.email]);
    if (taken.rowCount) throw emailTaken();
    const account = await tx.query<{ id: string }>(
      'insert into platform.account (name) values ($1) returning id',
      [input.businessName],
    );
    const accountId = account.rows[0]!.id;
    const user = await tx
      .query<{ id: string }>(
        `insert into platform.app_user (account_id, email, password_hash) values ($1, $2, $3) returning id`,
        [accountId, input.email, passwordHash],
      )
      .catch((error: unknown) => {
        // Two sign-ups with one e-mail at once: the unique index decides.
        throw (error as { code?: string }).code === '23505' ? emailTaken() : error;
      });
    const id = user.rows[0]!.id;
    await tx.query(`insert into platform.membership (account_id, user_id, role) values ($1, $2, 'owner')`, [
      accountId,
      id,
    ]);
    await tx.query(
      `insert into platform.email_token (token_hash, user_id, purpose, expires_at)
       values ($1, $2, 'verify_email', now() + make_interval(hours => $3))`,
      [tokenHash(token), id, VERIFY_TTL_HOURS],
    );
    await audit(tx, { accountId, userId: id, action: 'account.signed_up' });
    return id;
  });
  await sendVerification(ctx, input.businessName, input.email, token);
  return { userId };
}

const emailTaken = () =>
  new PortalError('email_taken', 'An account with this e-mail already exists. Log in instead.', 'email');

async function sendVerification(ctx: AccountsContext, name: string, email: string, token: string) {
  const link = new URL(`/verify-email?token=${token}`, ctx.publicUrl).toString();
  await ctx.mailer.send({ to: email, ...verificationMail(name, link) });
}

/** Consumes a verification link once; returns the user it verified. */
export async function verifyEmail(ctx: AccountsContext, token: string): Promise<string> {
  return inTransaction(ctx.db, async (tx) => {
    const { rows } = await tx.query<{ user_id: string; account_id: string }>(
      `update platform.email_token t set used_at = now()
       from platform.app_user u
       where t.token_hash = $1 and t.purpose = 'verify_email' and t.used_at is null
         and t.expires_at > now() and u.id = t.user_id
       returning t.user_id, u.account_id`,
      [tokenHash(token)],
    );
    const row = rows[0];
    if (!row) throw new PortalError('invalid_token', 'This link has expired or was already used.');
    await tx.query('update platform.app_user set email_verified_at = now() where id = $1', [row.user_id]);
    await audit(tx, { accountId: row.account_id, userId: row.user_id, action: 'user.email_verified' });
    return row.user_id;
  });
}

export async function logIn(
  ctx: AccountsContext,
  input: z.output<typeof logInSchema>,
  clientAddress: string,
): Promise<string> {
  const byAddress = await hitLimit(ctx.db, { key: `login:ip:${clientAddress}`, max: 30, windowSeconds: 900 });
  const byEmail = await hitLimit(ctx.db, { key: `login:email:${input.email}`, max: 5, windowSeconds: 900 });
  if (!byAddress || !byEmail) throw tooMany();
  const { rows } = await ctx.db.query<{ id: string; password_hash: string; account_id: string }>(
    'select id, password_hash, account_id from platform.app_user where lower(email) = $1',
    [input.email],
  );
  const user = rows[0];
  const ok = await verifyPassword(input.password, user?.password_hash ?? (await decoyHash()));
  if (!user || !ok) {
    throw new PortalError('invalid_credentials', 'The e-mail or the password is not right.');
  }
  await clearLimit(ctx.db, `login:email:${input.email}`);
  await audit(ctx.db, { accountId: user.account_id, userId: user.id, action: 'user.logged_in' });
  return user.id;
}

export async function userById(db: pg.Pool, id: string): Promise<PortalUser | undefined> {
  const { rows } = await db.query<{
    id: string;
    account_id: string;
    name: string;
    email: string;
    role: 'owner' | 'manager';
    email_verified_at: Date | null;
  }>(
    `select u.id, u.account_id, a.name, u.email, m.role, u.email_verified_at
     from platform.app_user u join platform.account a on a.id = u.account_id
     join platform.membership m on m.account_id = u.account_id and m.user_id = u.id
     where u.id = $1`,
    [id],
  );
  const row = rows[0];
  return (
    row && {
      id: row.id,
      accountId: row.account_id,
      accountName: row.name,
      email: row.email,
      role: row.role,
      emailVerified: row.email_verified_at !== null,
    }
  );
}

const RESET_TTL_MINUTES = 60;

/**
 * Mails a reset link when the address has an account; answers the same either way, so the form
 * does not tell who has an account. Rate limited per client and per address.
 */
export async function requestPasswordReset(ctx: AccountsContext, email: string, clientAddress: string) {
  const byAddress = await hitLimit(ctx.db, {
    key: `reset:ip:${clientAddress}`,
    max: 10,
    windowSeconds: 3600,
  });
  const byEmail = await hitLimit(ctx.db, { key: `reset:email:${email}`, max: 3, windowSeconds: 3600 });
  if (!byAddress || !byEmail) throw tooMany();
  const { rows } = await ctx.db.query<{ id: string; account_id: string }>(
    'select id, account_id from platform.app_user where lower(email) = $1',
    [email],
  );
  const user = rows[0];
  if (!user) return;
  const token = newToken();
  await ctx.db.query(
    `insert into platform.email_token (token_hash, user_id, purpose, expires_at)
     values ($1, $2, 'reset_password', now() + make_interval(mins => $3))`,
    [tokenHash(token), user.id, RESET_TTL_MINUTES],
  );
  await audit(ctx.db, {
    accountId: user.account_id,
    userId: user.id,
    action: 'user.password_reset_requested',
  });
  const link = new URL(`/reset-password?token=${token}`, ctx.publicUrl).toString();
  await ctx.mailer.send({
    to: email,
    subject: 'Reset your CloudPOS password',
    text: `Someone asked to reset the password of your CloudPOS account. Choose a new one here (the link works for ${RESET_TTL_MINUTES} minutes, once):\n${link}\n\nIf it was not you, ignore this e-mail: your password stays as it is.\n`,
    html: `<p>Someone asked to reset the password of your CloudPOS account. <a href="${link}">Choose a new password</a> (the link works for ${RESET_TTL_MINUTES} minutes, once).</p><p>If it was not you, ignore this e-mail: your password stays as it is.</p>`,
  });
}

/** Consumes a reset link: the new password, every session of the user signed out. */
export async function resetPassword(ctx: AccountsContext, token: string, password: string): Promise<void> {
  const passwordHash = await hashPassword(password);
  await inTransaction(ctx.db, async (tx) => {
    const { rows } = await tx.query<{ user_id: string; account_id: string }>(
      `update platform.email_token t set used_at = now()
       from platform.app_user u
       where t.token_hash = $1 and t.purpose = 'reset_password' and t.used_at is null
         and t.expires_at > now() and u.id = t.user_id
       returning t.user_id, u.account_id`,
      [tokenHash(token)],
    );
    const row = rows[0];
    if (!row) throw new PortalError('invalid_token', 'This link has expired or was already used.');
    // Whoever could read the mailbox owns the address: the reset also confirms it.
    await tx.query(
      'update platform.app_user set password_hash = $2, email_verified_at = coalesce(email_verified_at, now()) where id = $1',
      [row.user_id, passwordHash],
    );
    await tx.query('delete from platform.session where user_id = $1', [row.user_id]);
    await audit(tx, { accountId: row.account_id, userId: row.user_id, action: 'user.password_reset' });
  });
}
