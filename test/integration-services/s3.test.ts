/**
 * The S3 adapter against the local S3Proxy, with the SDK's default flexible checksums (CRC32 and
 * aws-chunked stream bodies), which some S3 imitations store wrongly.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ObjectStore } from '../../src/adapters/s3.js';
import { withSecrets } from '../../src/core/config.js';
import { FindocError } from '../../src/core/errors.js';
import { stackConfig, uniqueName } from '../helpers/services.js';

const config = stackConfig();
const store = new ObjectStore(config.s3);
const bucket = uniqueName('it-s3');

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('S3 adapter against the local S3 server', () => {
  before(async () => {
    assert.equal(config.s3.checksums, 'when_supported', 'the test must exercise the SDK default checksums');
    await store.ensureBucket(bucket);
    await store.ensureBucket(bucket); // idempotent
  });

  after(async () => {
    for await (const o of store.list(bucket, '')) await store.delete(bucket, o.key);
    await store.client.send(new (await import('@aws-sdk/client-s3')).DeleteBucketCommand({ Bucket: bucket }));
    store.close();
  });

  it('puts a stream body and gets the same bytes back, with metadata', async () => {
    const body = 'ip,date,time\n1.2.3.abc,2017-06-30,00:00:00\n';
    await store.put(bucket, 'logs/small.csv', Readable.from([Buffer.from(body.slice(0, 10)), Buffer.from(body.slice(10))]), {
      metadata: { rows: '1' },
    });
    assert.equal((await readAll(await store.get(bucket, 'logs/small.csv'))).toString(), body);
    const head = await store.head(bucket, 'logs/small.csv');
    assert.equal(head?.size, Buffer.byteLength(body));
    assert.equal(head?.metadata.rows, '1');
    assert.equal(await store.head(bucket, 'logs/absent.csv'), undefined);
  });

  it('a multipart upload of a 40 MiB stream arrives intact', async () => {
    const part = randomBytes(1024 * 1024);
    const chunks = Array.from({ length: 40 }, (_, i) => Buffer.concat([Buffer.from([i]), part.subarray(1)]));
    const expected = createHash('sha256');
    for (const c of chunks) expected.update(c);
    let progress = 0;
    await store.put(bucket, 'logs/big.bin', Readable.from(chunks), { onProgress: (b) => (progress = b) });
    const got = createHash('sha256').update(await readAll(await store.get(bucket, 'logs/big.bin'))).digest('hex');
    assert.equal(got, expected.digest('hex'));
    assert.equal(progress, 40 * 1024 * 1024);
  });

  it('lists a prefix, with sizes, and nothing outside it', async () => {
    // Its own objects: the test reads nothing another test wrote.
    await store.put(bucket, 'list/a.csv', Readable.from([Buffer.from('abc')]));
    await store.put(bucket, 'list/sub/b.bin', Readable.from([Buffer.alloc(10)]));
    await store.put(bucket, 'listing/c.csv', Readable.from([Buffer.from('c')]));
    const found: string[] = [];
    for await (const o of store.list(bucket, 'list/')) found.push(`${o.key} ${o.size}`);
    assert.deepEqual(found.sort(), ['list/a.csv 3', 'list/sub/b.bin 10']);
  });

  it('lists across pages: 5 objects, 2 keys a page, every key once', async () => {
    const want = Array.from({ length: 5 }, (_, i) => `pages/k${i}.txt`);
    for (const key of want) await store.put(bucket, key, Readable.from([Buffer.from(key)]));
    await store.put(bucket, 'pagesx/outside.txt', Readable.from([Buffer.from('x')])); // same leading letters, other prefix
    const keys: string[] = [];
    for await (const o of store.list(bucket, 'pages/', { pageSize: 2 })) keys.push(o.key);
    // A list that stopped after the first page would hold 2 keys; one that repeated a page, duplicates.
    assert.deepEqual(keys, want);
  });

  it('a missing object is bad input naming the key; an unreachable endpoint is exit 69 naming the address', async () => {
    await assert.rejects(store.get(bucket, 'nope.csv'), (e: unknown) => e instanceof FindocError && e.exitCode === 65 && /nope\.csv/.test(e.message));
    const dead = new ObjectStore({ ...withSecrets(config.s3), endpoint: 'http://127.0.0.1:1' }); // credentials kept: unreachable, not unconfigured
    await assert.rejects(dead.ping(), (e: unknown) => e instanceof FindocError && e.exitCode === 69 && /127\.0\.0\.1:1/.test(e.message));
    dead.close();
  });
});
