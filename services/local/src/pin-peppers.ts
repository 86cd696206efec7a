// The keys the local pooled POS API peppers PIN hashes with (PIN_PEPPERS): made once and kept (0600)
// in the data folder, out of the database, like a cluster tenant's in its Secret. To rotate, put a
// new entry in front (`v2:<base64>,v1:…`): members move to it as they sign in.
import { newPinPepper } from '@cloudpos/pos-api';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function localPinPeppers(home: string): Promise<string> {
  const file = join(home, 'pin-peppers');
  try {
    await writeFile(file, `${newPinPepper('v1')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Already made (by an earlier start, or a command running at the same moment): keep it.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return (await readFile(file, 'utf8')).trim();
}
