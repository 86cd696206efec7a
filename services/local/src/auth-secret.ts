// The key the local pooled POS API signs access tokens with and derives setup codes from: made
// once, kept (0600) in the data folder, so sign-ins survive restarts and `npm run tenant` can print
// a new tenant's setup code before or while `npm start` runs.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function localAuthSecret(home: string): Promise<string> {
  const file = join(home, 'auth-secret');
  try {
    await writeFile(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Already made (by an earlier start, or a command running at the same moment): keep it.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return (await readFile(file, 'utf8')).trim();
}
