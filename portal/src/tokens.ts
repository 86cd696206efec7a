// Random secrets handed to a browser (session ids, e-mail links) and the hashes stored for them:
// a copy of the database cannot sign anyone in.
import { createHash, randomBytes } from 'node:crypto';

export const newToken = () => randomBytes(32).toString('base64url');
export const tokenHash = (token: string) => createHash('sha256').update(token).digest();
