import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

export const execFileAsync = promisify(execFile);

/** Finds an executable on PATH (plus the sbin directories Debian uses for daemons). */
export async function which(name: string): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** First line of `<binary> <flag>`, for reporting versions. */
export async function versionOf(binary: string, flag = '--version'): Promise<string> {
  const { stdout, stderr } = await execFileAsync(binary, [flag]);
  return (stdout || stderr).trim().split('\n')[0] ?? '';
}
