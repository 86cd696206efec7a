import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

describe('createLogger', () => {
  it('writes JSON lines and redacts credentials', async () => {
    const stream = new PassThrough();
    const chunks: string[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
    const logger = createLogger({ name: 'redaction', destination: stream });
    logger.info(
      { password: 'hunter2', db: { password: 's3cret' }, databaseUrl: 'postgres://u:p@h/d' },
      'connecting',
    );
    await new Promise((resolve) => setImmediate(resolve));
    const line = JSON.parse(chunks.join('')) as Record<string, unknown>;
    expect(line).toMatchObject({ msg: 'connecting', name: 'redaction', level: 'info' });
    expect(JSON.stringify(line)).not.toMatch(/hunter2|s3cret|u:p@/);
  });

  it('redacts staff sign-in secrets: PINs, till secrets, tokens, setup codes', async () => {
    const stream = new PassThrough();
    const chunks: string[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
    const logger = createLogger({ name: 'redaction', destination: stream });
    logger.info(
      {
        body: { pin: '4711', deviceSecret: 'till-secret', setupCode: 'ABCD-EFGH' },
        session: { accessToken: 'eyJ.access', refreshToken: 'refresh-secret' },
        device: { secret: 'shown-once' },
      },
      'signed in',
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(chunks.join('')).not.toMatch(/4711|till-secret|ABCD-EFGH|eyJ\.access|refresh-secret|shown-once/);
    expect(chunks.join('')).toContain('[redacted]');
  });
});
