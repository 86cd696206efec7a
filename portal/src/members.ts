// Members of a merchant account: invitations by e-mail (single use, expiring, revocable), roles
// changed and members removed by owners, never leaving an account without an owner. Every change
// takes the account's row lock first, so two owners demoting each other at once cannot both win,
// re-reads the actor's own role under that lock, and lands in the platform audit table.
import type pg from 'pg';
import { can, type AccountRole } from '../app/rights.ts';
import type { PortalUser } from './accounts.ts';
import { audit } from './audit.ts';
import { inTransaction } from './db/transaction.ts';
import { PortalError } from './errors.ts';
import { invitationMail, type Mailer } from './mail.ts';
import { hashPassword } from './passwords.ts';
import { newToken, tokenHash } from './tokens.ts';

export const INVITATION_DAYS = 7;

export interface MembersContext {
  db: pg.Pool;
  mailer: Mailer;
  publicUrl: string;
}

export interface Member {
  userId: string;
  email: string;
  role: AccountRole;
  joinedAt: string;
}

export interface OpenInvitation {
  id: string;
  email: string;
  role: AccountRole;
  expiresAt: string;
  invitedBy: string | null;
}

export interface AccountChoice {
  accountId: string;
  name: string;
  role: AccountRole;
  current: boolean;
}

/** What the link of an invitation shows before it is accepted. */
export interface InvitationView {
  accountName: string;
  email: string;
  role: AccountRole;
  state: 'open' | 'expired' | 'used' | 'revoked';
  /** The address already has a CloudPOS login: the invitee signs in instead of choosing a password. */
  hasLogin: boolean;
}

type Queryable = Pick<pg.PoolClient, 'query'>;

const inviteRight = (role: AccountRole) =>
  role === 'owner' ? 'members.invite_owner' : 'members.invite_manager';

const refused = (message: string) => new PortalError('forbidden', message);

/** Locks the account and answers the actor's role in it now (it may have changed since sign-in). */
async function lockAccount(tx: Queryable, actor: PortalUser): Promise<AccountRole> {
  const { rows } = await tx.query<{ role: AccountRole }>(
    `select m.role from platform.account a
     join platform.membership m on m.account_id = a.id and m.user_id = $2
     where a.id = $1 for update of a`,
    [actor.accountId, actor.id],
  );
  const role = rows[0]?.role;
  if (!role) throw refused('You are no longer a member of this account.');
  return role;
}

export async function membersOf(
  db: pg.Pool,
  user: PortalUser,
): Promise<{ members: Member[]; invitations: OpenInvitation[] }> {
  const members = await db.query<{ user_id: string; email: string; role: AccountRole; created_at: Date }>(
    `select m.user_id, u.email, m.role, m.created_at from platform.membership m
     join platform.app_user u on u.id = m.user_id where m.account_id = $1 order by m.created_at, u.email`,
    [user.accountId],
  );
  const invitations = await db.query<{
    id: string;
    email: string;
    role: AccountRole;
    expires_at: Date;
    invited_by: string | null;
  }>(
    `select i.id, i.email, i.role, i.expires_at, u.email as invited_by from platform.invitation i
     left join platform.app_user u on u.id = i.invited_by
     where i.account_id = $1 and i.accepted_at is null and i.revoked_at is null and i.expires_at > now()
     order by i.created_at`,
    [user.accountId],
  );
  return {
    members: members.rows.map((row) => ({
      userId: row.user_id,
      email: row.email,
      role: row.role,
      joinedAt: row.created_at.toISOString(),
    })),
    invitations: invitations.rows.map((row) => ({
      id: row.id,
      email: row.email,
      role: row.role,
      expiresAt: row.expires_at.toISOString(),
      invitedBy: row.invited_by,
    })),
  };
}

/**
 * Mails a one-time link that makes `email` a member with `role`. A newer invitation to the same
 * address replaces an open one (its link stops working).
 */
export async function inviteMember(
  ctx: MembersContext,
  actor: PortalUser,
  input: { email: string; role: AccountRole },
): Promise<void> {
  const token = newToken();
  const accountName = await inTransaction(ctx.db, async (tx) => {
    const role = await lockAccount(tx, actor);
    if (!can(role, inviteRight(input.role)))
      throw refused(
        input.role === 'owner'
          ? 'Only an owner can invite owners.'
          : 'Your role cannot invite members. Ask an owner of the account.',
      );
    const member = await tx.query(
      `select 1 from platform.membership m join platform.app_user u on u.id = m.user_id
       where m.account_id = $1 and lower(u.email) = $2`,
      [actor.accountId, input.email],
    );
    if (member.rowCount)
      throw new PortalError('already_member', `${input.email} is already a member of this account.`, 'email');
    await tx.query(
      `update platform.invitation set revoked_at = now()
       where account_id = $1 and lower(email) = $2 and accepted_at is null and revoked_at is null`,
      [actor.accountId, input.email],
    );
    await tx.query(
      `insert into platform.invitation (account_id, email, role, token_hash, invited_by, expires_at)
       values ($1, $2, $3, $4, $5, now() + make_interval(days => $6))`,
      [actor.accountId, input.email, input.role, tokenHash(token), actor.id, INVITATION_DAYS],
    );
    await audit(tx, {
      accountId: actor.accountId,
      userId: actor.id,
      action: 'member.invited',
      detail: { email: input.email, role: input.role },
    });
    const { rows } = await tx.query<{ name: string }>('select name from platform.account where id = $1', [
      actor.accountId,
    ]);
    return rows[0]!.name;
  });
  const link = new URL(`/invitations/accept?token=${token}`, ctx.publicUrl).toString();
  await ctx.mailer.send({
    to: input.email,
    ...invitationMail({ accountName, inviter: actor.email, role: input.role, link, days: INVITATION_DAYS }),
  });
}

export async function revokeInvitation(ctx: MembersContext, actor: PortalUser, id: string): Promise<string> {
  return inTransaction(ctx.db, async (tx) => {
    const role = await lockAccount(tx, actor);
    const { rows } = await tx.query<{ email: string; role: AccountRole }>(
      `select email, role from platform.invitation
       where id = $1 and account_id = $2 and accepted_at is null and revoked_at is null`,
      [id, actor.accountId],
    );
    const invitation = rows[0];
    if (!invitation)
      throw new PortalError('not_found', 'That invitation was already accepted or revoked. Reload the page.');
    if (!can(role, inviteRight(invitation.role)))
      throw refused('Only an owner can revoke an owner’s invitation.');
    await tx.query('update platform.invitation set revoked_at = now() where id = $1', [id]);
    await audit(tx, {
      accountId: actor.accountId,
      userId: actor.id,
      action: 'invitation.revoked',
      detail: { email: invitation.email, role: invitation.role },
    });
    return invitation.email;
  });
}

/** How many owners the account has, the locked account's rows read in this transaction. */
async function ownerCount(tx: Queryable, accountId: string): Promise<number> {
  const { rows } = await tx.query<{ owners: number }>(
    `select count(*)::int as owners from platform.membership where account_id = $1 and role = 'owner'`,
    [accountId],
  );
  return rows[0]!.owners;
}

const lastOwner = () =>
  new PortalError('last_owner', 'An account keeps at least one owner: make someone else an owner first.');

async function memberOf(tx: Queryable, accountId: string, userId: string) {
  const { rows } = await tx.query<{ email: string; role: AccountRole }>(
    `select u.email, m.role from platform.membership m join platform.app_user u on u.id = m.user_id
     where m.account_id = $1 and m.user_id = $2`,
    [accountId, userId],
  );
  if (!rows[0]) throw new PortalError('not_found', 'That person is no longer a member. Reload the page.');
  return rows[0];
}

export async function changeMemberRole(
  ctx: MembersContext,
  actor: PortalUser,
  input: { userId: string; role: AccountRole },
): Promise<string> {
  return inTransaction(ctx.db, async (tx) => {
    if (!can(await lockAccount(tx, actor), 'members.manage'))
      throw refused('Only an owner can change roles.');
    const member = await memberOf(tx, actor.accountId, input.userId);
    if (member.role === input.role) return member.email;
    if (member.role === 'owner' && (await ownerCount(tx, actor.accountId)) <= 1) throw lastOwner();
    await tx.query('update platform.membership set role = $3 where account_id = $1 and user_id = $2', [
      actor.accountId,
      input.userId,
      input.role,
    ]);
    await audit(tx, {
      accountId: actor.accountId,
      userId: actor.id,
      action: 'member.role_changed',
      detail: { member: input.userId, email: member.email, from: member.role, to: input.role },
    });
    return member.email;
  });
}

/**
 * Takes a member out of the account. A person with no other account loses their login (and every
 * session); one with others keeps working in another of theirs.
 */
export async function removeMember(ctx: MembersContext, actor: PortalUser, userId: string): Promise<string> {
  return inTransaction(ctx.db, async (tx) => {
    if (!can(await lockAccount(tx, actor), 'members.manage'))
      throw refused('Only an owner can remove members.');
    if (userId === actor.id) throw refused('You cannot remove yourself: ask another owner.');
    const member = await memberOf(tx, actor.accountId, userId);
    if (member.role === 'owner' && (await ownerCount(tx, actor.accountId)) <= 1) throw lastOwner();
    await tx.query('delete from platform.membership where account_id = $1 and user_id = $2', [
      actor.accountId,
      userId,
    ]);
    const other = await tx.query<{ account_id: string }>(
      'select account_id from platform.membership where user_id = $1 order by created_at limit 1',
      [userId],
    );
    if (other.rows[0])
      await tx.query('update platform.app_user set account_id = $2 where id = $1 and account_id = $3', [
        userId,
        other.rows[0].account_id,
        actor.accountId,
      ]);
    else await tx.query('delete from platform.app_user where id = $1', [userId]);
    await audit(tx, {
      accountId: actor.accountId,
      userId: actor.id,
      action: 'member.removed',
      detail: { member: userId, email: member.email, role: member.role, loginDeleted: !other.rows[0] },
    });
    return member.email;
  });
}

export async function invitationByToken(db: pg.Pool, token: string): Promise<InvitationView | undefined> {
  const { rows } = await db.query<{
    name: string;
    email: string;
    role: AccountRole;
    expired: boolean;
    accepted_at: Date | null;
    revoked_at: Date | null;
    has_login: boolean;
  }>(
    `select a.name, i.email, i.role, i.expires_at <= now() as expired, i.accepted_at, i.revoked_at,
            exists (select 1 from platform.app_user u where lower(u.email) = lower(i.email)) as has_login
     from platform.invitation i join platform.account a on a.id = i.account_id where i.token_hash = $1`,
    [tokenHash(token)],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    accountName: row.name,
    email: row.email,
    role: row.role,
    state: row.accepted_at ? 'used' : row.revoked_at ? 'revoked' : row.expired ? 'expired' : 'open',
    hasLogin: row.has_login,
  };
}

/**
 * Uses an invitation up: a new login with `password` for an address that has none, or the signed-in
 * person whose address it is. Either way they now work in the inviting account, with its role.
 */
export async function acceptInvitation(
  ctx: MembersContext,
  token: string,
  as: { signedIn: PortalUser | undefined; password?: string },
): Promise<string> {
  const passwordHash = as.password === undefined ? undefined : await hashPassword(as.password);
  return inTransaction(ctx.db, async (tx) => {
    const { rows } = await tx.query<{ id: string; account_id: string; email: string; role: AccountRole }>(
      `select id, account_id, email, role from platform.invitation
       where token_hash = $1 and accepted_at is null and revoked_at is null and expires_at > now()
       for update`,
      [tokenHash(token)],
    );
    const invitation = rows[0];
    if (!invitation)
      throw new PortalError(
        'invalid_token',
        'This invitation has expired, was revoked or was already used. Ask for a new one.',
      );
    const existing = await tx.query<{ id: string }>(
      'select id from platform.app_user where lower(email) = $1',
      [invitation.email.toLowerCase()],
    );
    let userId = existing.rows[0]?.id;
    if (userId) {
      if (as.signedIn?.id !== userId)
        throw new PortalError('forbidden', `Log in as ${invitation.email} to accept this invitation.`);
    } else {
      if (!passwordHash) throw new PortalError('invalid_token', 'Choose a password to accept.', 'password');
      // Whoever could read the invitation owns the address: it counts as verified.
      const created = await tx.query<{ id: string }>(
        `insert into platform.app_user (account_id, email, password_hash, email_verified_at)
         values ($1, $2, $3, now()) returning id`,
        [invitation.account_id, invitation.email, passwordHash],
      );
      userId = created.rows[0]!.id;
    }
    await tx.query(
      `insert into platform.membership (account_id, user_id, role) values ($1, $2, $3)
       on conflict (account_id, user_id) do nothing`,
      [invitation.account_id, userId, invitation.role],
    );
    await tx.query('update platform.app_user set account_id = $2 where id = $1', [
      userId,
      invitation.account_id,
    ]);
    await tx.query('update platform.invitation set accepted_at = now(), accepted_by = $2 where id = $1', [
      invitation.id,
      userId,
    ]);
    await audit(tx, {
      accountId: invitation.account_id,
      userId,
      action: 'invitation.accepted',
      detail: { email: invitation.email, role: invitation.role, newLogin: !existing.rows[0] },
    });
    return userId;
  });
}

export async function accountsOf(db: pg.Pool, user: PortalUser): Promise<AccountChoice[]> {
  const { rows } = await db.query<{ account_id: string; name: string; role: AccountRole }>(
    `select m.account_id, a.name, m.role from platform.membership m join platform.account a on a.id = m.account_id
     where m.user_id = $1 order by a.name`,
    [user.id],
  );
  return rows.map((row) => ({
    accountId: row.account_id,
    name: row.name,
    role: row.role,
    current: row.account_id === user.accountId,
  }));
}

/** Works in another of the person's accounts from now on (every session of theirs). */
export async function switchAccount(db: pg.Pool, user: PortalUser, accountId: string): Promise<void> {
  const { rowCount } = await db.query(
    `update platform.app_user set account_id = $2 where id = $1
     and exists (select 1 from platform.membership where user_id = $1 and account_id = $2)`,
    [user.id, accountId],
  );
  if (!rowCount) throw new PortalError('not_found', 'You are not a member of that account.');
}
