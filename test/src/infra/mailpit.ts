// A real SMTP server with a readable mailbox: Mailpit (SMTP on one port, web UI and HTTP API on
// another), its messages in a directory of its own. Tests read mail through its API.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { locateMailpit } from '../tools/locate.ts';
import { ManagedProcess, freePort } from './process.ts';

export interface MailpitOptions {
  dir: string;
  smtpPort?: number;
  httpPort?: number;
}

export interface MailpitMessage {
  ID: string;
  Subject: string;
  To: { Address: string }[];
}

export interface MailpitServer {
  smtpUrl: string;
  /** The web UI (a person reads the mailbox here) and the API under /api/v1. */
  url: string;
  process: ManagedProcess;
  /** Messages to an address, newest first. */
  messagesTo(address: string): Promise<MailpitMessage[]>;
  /** The plain-text body of a message. */
  text(id: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startMailpit(options: MailpitOptions): Promise<MailpitServer> {
  const binary = await locateMailpit();
  await mkdir(options.dir, { recursive: true });
  const smtpPort = options.smtpPort ?? (await freePort());
  const httpPort = options.httpPort ?? (await freePort());
  const url = `http://127.0.0.1:${httpPort}`;
  const server = new ManagedProcess({
    name: 'mailpit',
    command: binary.path,
    args: [
      '--listen',
      `127.0.0.1:${httpPort}`,
      '--smtp',
      `127.0.0.1:${smtpPort}`,
      '--database',
      join(options.dir, 'mailpit.db'),
      // No calls to the internet: no release check.
      '--disable-version-check',
      '--smtp-auth-accept-any',
      '--smtp-auth-allow-insecure',
    ],
    logFile: join(options.dir, 'mailpit.log'),
  });
  try {
    await server.waitUntilReady(async () => (await fetch(`${url}/readyz`)).ok);
  } catch (error) {
    await server.stop('SIGKILL');
    throw error;
  }
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}/api/v1${path}`);
    if (!response.ok) throw new Error(`Mailpit ${path}: HTTP ${response.status}`);
    return (await response.json()) as T;
  };
  return {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    url,
    process: server,
    async messagesTo(address) {
      const query = encodeURIComponent(`to:"${address}"`);
      return (await api<{ messages: MailpitMessage[] }>(`/search?query=${query}`)).messages;
    },
    async text(id) {
      return (await api<{ Text: string }>(`/message/${id}`)).Text;
    },
    stop: async () => {
      await server.stop('SIGTERM');
    },
  };
}
