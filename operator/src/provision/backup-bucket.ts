// Copies of verified backups in S3-compatible object storage (`s3://bucket/prefix`), so a tenant's
// data outlives the disk the dumps were written to: copied after the local verification, checked by
// size, pruned with the same retention, and fetched back for a restore. Endpoint and keys come from
// the configuration or the AWS SDK's usual environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
//
// The AWS SDK is loaded on the first call that needs it: it costs about 25 MB of memory, which an
// operator or local platform without a bucket would carry for nothing.
import type * as S3 from '@aws-sdk/client-s3';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface BackupBucket {
  bucket: string;
  /** Key prefix, empty or ending in '/'. */
  prefix: string;
  /** The S3 client, made (and the SDK loaded) on first use. */
  client(): Promise<S3Client>;
  /** Closes the client's connections, if it was ever made. */
  destroy(): void;
}

let sdk: Promise<typeof S3> | undefined;
const s3 = () => (sdk ??= import('@aws-sdk/client-s3'));

export interface BucketSettings {
  /** `s3://bucket` or `s3://bucket/some/prefix`. */
  url: string;
  /** An S3-compatible endpoint (MinIO, Ceph, a gateway); AWS itself needs none. */
  endpoint?: string;
  region?: string;
}

export function openBackupBucket(
  settings: BucketSettings,
  credentials?: S3ClientConfig['credentials'],
): BackupBucket {
  const { bucket, prefix } = parseBucketUrl(settings.url);
  let client: Promise<S3Client> | undefined;
  return {
    bucket,
    prefix,
    client: () =>
      (client ??= s3().then(
        ({ S3Client }) =>
          new S3Client({
            region: settings.region ?? process.env.AWS_REGION ?? 'us-east-1',
            ...(settings.endpoint ? { endpoint: settings.endpoint, forcePathStyle: true } : {}),
            ...(credentials ? { credentials } : {}),
            // Failures reach the caller as errors (and from there the Tenant's condition); the SDK's
            // own console warnings would only add unstructured lines to JSON logs.
            logger: QUIET,
          }),
      )),
    destroy: () => void client?.then((made) => made.destroy()),
  };
}

const QUIET = { debug() {}, info() {}, warn() {}, error() {} };

export function parseBucketUrl(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!match) throw new Error(`not a bucket URL (s3://bucket/prefix): ${url}`);
  const path = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  return { bucket: match[1]!, prefix: path ? `${path}/` : '' };
}

export const bucketUrlOf = (bucket: BackupBucket, key = bucket.prefix) => `s3://${bucket.bucket}/${key}`;

/** Uploads a verified dump and checks that the bucket holds all of it; answers its s3:// URL. */
export async function copyBackupToBucket(bucket: BackupBucket, file: string): Promise<string> {
  const key = `${bucket.prefix}${basename(file)}`;
  const bytes = (await stat(file)).size;
  try {
    const { HeadBucketCommand, HeadObjectCommand, PutObjectCommand } = await s3();
    const client = await bucket.client();
    // A missing bucket or a refused key answers here, before any byte of the dump is sent.
    await client.send(new HeadBucketCommand({ Bucket: bucket.bucket }));
    await client.send(
      new PutObjectCommand({
        Bucket: bucket.bucket,
        Key: key,
        Body: createReadStream(file),
        ContentLength: bytes,
        ContentType: 'application/octet-stream',
      }),
    );
    const stored = await client.send(new HeadObjectCommand({ Bucket: bucket.bucket, Key: key }));
    if (stored.ContentLength !== bytes)
      throw new Error(`the bucket holds ${stored.ContentLength} of its ${bytes} bytes`);
  } catch (error) {
    throw new Error(`copying ${basename(file)} to ${bucketUrlOf(bucket, key)} failed: ${describe(error)}`, {
      cause: error,
    });
  }
  return bucketUrlOf(bucket, key);
}

export interface BucketBackup {
  key: string;
  bytes: number;
  at: Date;
}

/** The copies of `schema`'s backups in the bucket, newest first. */
export async function listBucketBackups(bucket: BackupBucket, schema: string): Promise<BucketBackup[]> {
  const { ListObjectsV2Command } = await s3();
  const client = await bucket.client();
  const found: BucketBackup[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket.bucket,
        Prefix: `${bucket.prefix}${schema}-`,
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    for (const object of page.Contents ?? []) {
      if (!object.Key?.endsWith('.dump')) continue;
      found.push({ key: object.Key, bytes: object.Size ?? 0, at: object.LastModified ?? new Date(0) });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  // The file names carry the backup's time (ISO, sortable), which outranks upload times.
  return found.sort((a, b) => b.key.localeCompare(a.key));
}

/** Keeps the `keep` newest copies of `schema`'s backups; answers the keys removed. */
export async function pruneBucketBackups(
  bucket: BackupBucket,
  schema: string,
  keep: number,
): Promise<string[]> {
  const old = (await listBucketBackups(bucket, schema)).slice(keep);
  const { DeleteObjectCommand } = await s3();
  const client = await bucket.client();
  for (const backup of old)
    await client.send(new DeleteObjectCommand({ Bucket: bucket.bucket, Key: backup.key }));
  return old.map((backup) => backup.key);
}

/** Downloads a copy into `dir` (a partial file renamed when complete); answers the local file. */
export async function fetchBackupFromBucket(bucket: BackupBucket, key: string, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, basename(key));
  const partial = `${file}.partial`;
  try {
    const { GetObjectCommand } = await s3();
    const object = await (
      await bucket.client()
    ).send(new GetObjectCommand({ Bucket: bucket.bucket, Key: key }));
    await pipeline(object.Body as Readable, createWriteStream(partial));
    await rename(partial, file);
    return file;
  } catch (error) {
    await rm(partial, { force: true });
    throw new Error(`fetching ${bucketUrlOf(bucket, key)} failed: ${describe(error)}`, { cause: error });
  }
}

/** The SDK's error names what went wrong (NoSuchBucket, AccessDenied, ...); never a key or secret. */
const describe = (error: unknown) => {
  const { name, message } = error as Error;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  // A HEAD has no body, so the SDK knows only the status: say what it means.
  if (name === 'NotFound' && status === 404) return 'NoSuchBucket: the bucket does not exist';
  if (name === 'Forbidden' && status === 403) return 'AccessDenied: the keys may not use this bucket';
  return name && name !== 'Error' && !message.startsWith(name) ? `${name}: ${message}` : message;
};
