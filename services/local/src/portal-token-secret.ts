// The platform secret the local portal signs portal tokens with and the pooled POS API derives each
// tenant's key from (ADR 0015): made once, kept (0600) in the data folder.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function localPortalTokenSecret(home: string): Promise<string> {
  const file = join(home, 'portal-token-secret');
  try {
    await writeFile(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Already made by an earlier start: keep it.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return (await readFile(file, 'utf8')).trim();
}
