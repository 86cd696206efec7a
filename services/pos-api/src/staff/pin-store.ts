// Where a PIN hash is written. Never through the StaffMember entity: the ORM would inline the hash
// into the statement's text, which the server logs when the statement fails (see db/bound-sql.ts).
// A new member's row is inserted by the ORM with PIN_NOT_SET and gets its hash right after, in the
// same transaction; a changed or upgraded hash is one bound update.
import type { EntityManager } from '@mikro-orm/postgresql';
import { executeBound } from '../db/bound-sql.ts';

/** What a new member's row holds until its hash is written (no PIN verifies against it). */
export const PIN_NOT_SET = '!';

/**
 * Sets a member's PIN hash in `em`'s transaction (the member's row must already be flushed). The
 * entity's version is left alone: the ORM may still flush other changes to the same row.
 */
export async function storePinHash(
  em: EntityManager,
  schema: string,
  staffId: string,
  pinHash: string,
): Promise<void> {
  const { affected } = await executeBound(
    em,
    `update "${schema}".staff_member set pin_hash = $1 where id = $2`,
    [pinHash, staffId],
  );
  if (affected !== 1) {
    throw new Error(`while storing the PIN hash of staff member ${staffId} in ${schema}: no such member`);
  }
}
