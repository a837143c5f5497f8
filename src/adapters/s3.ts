/**
 * S3 adapter: the few object-store operations findoc needs (list a prefix, stream an object in, stream an
 * object out with a multipart upload, head, make a bucket), built from the resolved configuration.
 *
 * Non-AWS servers (the local S3Proxy) need path-style addressing and an explicit endpoint. The SDK's
 * flexible checksums (CRC32 on every put, aws-chunked bodies; default since v3.729) are kept unless
 * FINDOC_S3_CHECKSUMS=when_required, for servers that do not support them.
 *
 * Reads survive a broken connection: get() resumes an object from the byte it had reached (a ranged
 * GET pinned to the first answer's ETag, so the bytes cannot come from a changed object), up to
 * READ_RETRIES times with doubling waits; past them it fails with exit 69 naming the endpoint.
 */
import {
  CopyObjectCommand,
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  DeleteObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { SETTING_NAMES, type S3Settings } from '../core/config.js';
import { FindocError, configError, serviceUnavailable } from '../core/errors.js';
import { hostPort, redactText } from '../core/redact.js';
import { isRefusedSetting, isUnreachable } from '../core/service-errors.js';

export interface ObjectInfo {
  key: string;
  size: number;
}

export interface ObjectHead {
  size: number;
  metadata: Record<string, string>;
}

// The SDK warns on every run that releases after January 2027 need Node 22. findoc pins the SDK
// (package.json, exact version) and runs on Node 20, so the warning would only be noise on stderr.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** A broken read is resumed this many times in a row, after 0.5, 1, 2, 4 and 8 s (15.5 s in all). */
export const READ_RETRIES = 5;
const READ_RETRY_MS = 500;

/** The connection broke mid-body (server gone, reset): worth resuming. */
function isBrokenRead(e: unknown): boolean {
  return isUnreachable(e) || /aborted|socket hang up|premature close/i.test(String((e as Error)?.message ?? e));
}

/** The multipart part size: 16 MiB keeps memory bounded (queueSize parts in flight) and a 2.6 GB day under 10,000 parts. */
const PART_SIZE = 16 * 1024 * 1024;

const S3_CREDENTIALS = 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or s3.accessKeyId and s3.secretAccessKey in the config file)';

export class ObjectStore {
  readonly client: S3Client;
  readonly address: string;

  constructor(readonly settings: S3Settings) {
    this.address = settings.endpoint ? hostPort(settings.endpoint) : `s3.${settings.region}.amazonaws.com`;
    const mode = settings.checksums === 'when_required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
    this.client = new S3Client({
      endpoint: settings.endpoint,
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      credentials:
        settings.accessKeyId && settings.secretAccessKey
          ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey }
          : undefined,
      requestChecksumCalculation: mode,
      responseChecksumValidation: mode,
      maxAttempts: 3,
    });
  }

  /** Maps connection failures to exit 69 naming the endpoint; S3 errors keep their code. */
  private fail(e: unknown, what: string): never {
    if (isRefusedSetting(e) === 'credentials') {
      throw configError(
        `S3 at ${this.address}: ${what} failed: ${(e as Error).name} (${redactText((e as Error).message)})`,
        S3_CREDENTIALS,
        `${this.settings.accessKeyId ? 'the key was refused: check' : 'no credentials for this endpoint: set'} ${S3_CREDENTIALS}`,
      );
    }
    if (e instanceof S3ServiceException) {
      throw new FindocError(
        e.name === 'NoSuchBucket' || e.name === 'NoSuchKey' || e.name === 'NotFound' ? 'FINDOC_BAD_INPUT' : 'FINDOC_TEMPORARY',
        `S3 at ${this.address}: ${what} failed: ${e.name}${e.message && e.message !== e.name ? ` (${e.message})` : ''}`,
        { service: 'S3', address: this.address },
        { cause: e },
      );
    }
    throw serviceUnavailable('S3', this.address, SETTING_NAMES.s3, e);
  }

  async ping(): Promise<void> {
    try {
      await this.client.send(new ListBucketsCommand({}));
    } catch (e) {
      this.fail(e, 'list buckets');
    }
  }

  async ensureBucket(bucket: string): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: bucket }));
      return;
    } catch (e) {
      if (!(e instanceof S3ServiceException)) this.fail(e, `head bucket ${bucket}`);
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (e) {
      if (e instanceof S3ServiceException && (e.name === 'BucketAlreadyOwnedByYou' || e.name === 'BucketAlreadyExists')) return;
      this.fail(e, `create bucket ${bucket}`);
    }
  }

  /** Every object under `prefix`, page by page (`pageSize` keys a request; S3's default and maximum is 1,000). */
  async *list(bucket: string, prefix: string, options: { pageSize?: number } = {}): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: options.pageSize }));
      } catch (e) {
        this.fail(e, `list s3://${bucket}/${prefix}`);
      }
      for (const o of page.Contents ?? []) if (o.Key) yield { key: o.Key, size: o.Size ?? 0 };
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** The object's bytes, resumed where they broke off when the connection fails (see the top). */
  async get(bucket: string, key: string): Promise<Readable> {
    let first;
    try {
      first = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    } catch (e) {
      this.fail(e, `get s3://${bucket}/${key}`);
    }
    return Readable.from(this.resumed(bucket, key, first.Body as Readable, first.ETag), { objectMode: false });
  }

  private async *resumed(bucket: string, key: string, body: Readable, etag: string | undefined): AsyncGenerator<Buffer> {
    let offset = 0;
    for (;;) {
      try {
        for await (const chunk of body as AsyncIterable<Buffer>) {
          offset += chunk.length;
          yield chunk;
        }
        return;
      } catch (e) {
        body.destroy();
        if (!isBrokenRead(e)) throw e;
        body = await this.reopen(bucket, key, offset, etag, e);
      }
    }
  }

  /** A ranged GET from `offset`, retried with doubling waits; exit 69 naming the endpoint past READ_RETRIES. */
  private async reopen(bucket: string, key: string, offset: number, etag: string | undefined, cause: unknown): Promise<Readable> {
    let last = cause;
    for (let attempt = 0; attempt < READ_RETRIES; attempt++) {
      await sleep(READ_RETRY_MS * 2 ** attempt);
      try {
        const out = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${offset}-`, IfMatch: etag }));
        return out.Body as Readable;
      } catch (e) {
        if (e instanceof S3ServiceException) this.fail(e, `resume s3://${bucket}/${key} at byte ${offset}`);
        last = e;
      }
    }
    this.fail(last, `read s3://${bucket}/${key} (broke off at byte ${offset}, ${READ_RETRIES} resumes failed)`);
  }

  /** Head of an object, or undefined when it does not exist. */
  async head(bucket: string, key: string): Promise<ObjectHead | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { size: out.ContentLength ?? 0, metadata: out.Metadata ?? {} };
    } catch (e) {
      if (e instanceof S3ServiceException && (e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404)) return undefined;
      this.fail(e, `head s3://${bucket}/${key}`);
    }
  }

  /**
   * Streams a body into an object with a multipart upload. The object appears only when the upload
   * completes, so a broken transfer never leaves an object that looks complete; an aborted upload's parts
   * are removed (leavePartsOnError: false).
   */
  async put(
    bucket: string,
    key: string,
    body: Readable | Buffer | string,
    options: { metadata?: Record<string, string>; contentType?: string; onProgress?: (bytes: number) => void } = {},
  ): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: bucket, Key: key, Body: body, Metadata: options.metadata, ContentType: options.contentType },
      partSize: PART_SIZE,
      queueSize: 2,
      leavePartsOnError: false,
    });
    if (options.onProgress) upload.on('httpUploadProgress', (p) => options.onProgress!(p.loaded ?? 0));
    try {
      await upload.done();
    } catch (e) {
      this.fail(e, `put s3://${bucket}/${key}`);
    }
  }

  /**
   * Server-side copy of an object (up to 5 GB, S3's single-copy limit) with its metadata replaced: how a
   * writer attaches metadata known only once an upload has ended (e.g. a checksum of the streamed bytes).
   */
  async copy(bucket: string, fromKey: string, toKey: string, options: { metadata?: Record<string, string>; contentType?: string } = {}): Promise<void> {
    const source = `${bucket}/${fromKey}`.split('/').map(encodeURIComponent).join('/');
    try {
      await this.client.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: toKey,
          CopySource: source,
          MetadataDirective: 'REPLACE',
          Metadata: options.metadata,
          ContentType: options.contentType,
        }),
      );
    } catch (e) {
      this.fail(e, `copy s3://${bucket}/${fromKey} to ${toKey}`);
    }
  }

  async delete(bucket: string, key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } catch (e) {
      this.fail(e, `delete s3://${bucket}/${key}`);
    }
  }

  close(): void {
    this.client.destroy();
  }
}
