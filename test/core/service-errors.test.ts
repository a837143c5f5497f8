/** The one classifier of service errors (src/core/service-errors.ts), on errors the libraries really raise. */
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { describe, it } from 'node:test';
import pg from 'pg';
import { FindocError, serviceUnavailable } from '../../src/core/errors.js';
import { asUnavailable, isUndefinedTable, isUnreachable } from '../../src/core/service-errors.js';

/** A port nothing listens on: bind one, close it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function sqlError(code: string, message: string): pg.DatabaseError {
  const e = new pg.DatabaseError(message, message.length, 'error');
  e.code = code;
  return e;
}

describe('service errors: unreachable (exit 69) or not', () => {
  it('a refused socket connect is unreachable', async () => {
    const port = await closedPort();
    const e = await new Promise<Error>((resolve) => connect(port, '127.0.0.1').on('error', resolve));
    assert.equal((e as NodeJS.ErrnoException).code, 'ECONNREFUSED');
    assert.equal(isUnreachable(e), true);
  });

  it('pg against a closed port is unreachable (its own error object, not a copy)', async () => {
    const port = await closedPort();
    const client = new pg.Client({ connectionString: `postgres://x@127.0.0.1:${port}/x`, connectionTimeoutMillis: 2000 });
    const e = await client.connect().then(() => null, (err: unknown) => err);
    assert.ok(e, 'connect must fail');
    assert.equal(isUnreachable(e), true, String(e));
  });

  it('SQLSTATE class 08 and 57P01–57P03 are unreachable; SQL errors are not', () => {
    for (const code of ['08006', '08001', '08P01', '57P01', '57P02', '57P03']) assert.equal(isUnreachable(sqlError(code, 'x')), true, code);
    for (const code of ['42P01', '23505', '42601', '57014', '40001']) assert.equal(isUnreachable(sqlError(code, 'boom')), false, code);
  });

  it('ioredis offline, kafkajs connection errors and our own timeouts are unreachable', () => {
    assert.equal(isUnreachable(new Error('Connection is closed.')), true);
    assert.equal(isUnreachable(new Error("Stream isn't writeable and enableOfflineQueue options is false")), true);
    const kafkajs = Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:1'), { name: 'KafkaJSConnectionError' });
    assert.equal(isUnreachable(kafkajs), true);
    assert.equal(isUnreachable(Object.assign(new Error('boom'), { name: 'KafkaJSNumberOfRetriesExceeded' })), true);
    assert.equal(isUnreachable(new Error('Redis read timed out after 2000 ms')), true);
  });

  it('ordinary errors, FindocErrors and non-errors are not', () => {
    for (const e of [new Error('syntax error at or near "SELEC"'), new TypeError('x is undefined'), null, undefined, 'text', 42]) {
      assert.equal(isUnreachable(e), false, String(e));
    }
    assert.equal(isUnreachable(serviceUnavailable('Redis', '127.0.0.1:6379', 'REDIS_URL', new Error('Connection is closed.'))), false, 'already mapped');
  });

  it('a missing table or schema is undefined-table; other SQLSTATEs are not', () => {
    assert.equal(isUndefinedTable(sqlError('42P01', 'relation "day_sets" does not exist')), true);
    assert.equal(isUndefinedTable(sqlError('3F000', 'schema "nope" does not exist')), true);
    assert.equal(isUndefinedTable(sqlError('42703', 'column does not exist')), false);
    assert.equal(isUndefinedTable(new Error('relation "x" does not exist')), false, 'by code only, never by message');
  });

  it('asUnavailable maps only unreachable errors', () => {
    const make = (cause: unknown) => serviceUnavailable('PostgreSQL', '127.0.0.1:5432', 'DATABASE_URL', cause);
    const mapped = asUnavailable(sqlError('57P01', 'terminating connection due to administrator command'), make);
    assert.ok(mapped instanceof FindocError && mapped.exitCode === 69 && mapped.message.startsWith('PostgreSQL at 127.0.0.1:5432 is unavailable'));
    const sql = sqlError('23505', 'duplicate key');
    assert.equal(asUnavailable(sql, make), sql);
  });
});

describe('isRefusedSetting: the service answered and refused the settings (exit 78, not 69)', () => {
  it('names a missing database, a refused login and refused S3 credentials; leaves outages alone', async () => {
    const { isRefusedSetting } = await import('../../src/core/service-errors.js');
    const pgError = (code: string) => Object.assign(new Error('x'), { code });
    assert.equal(isRefusedSetting(pgError('3D000')), 'database');
    assert.equal(isRefusedSetting(pgError('28000')), 'credentials');
    assert.equal(isRefusedSetting(pgError('28P01')), 'credentials');
    for (const name of ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'CredentialsProviderError']) {
      assert.equal(isRefusedSetting(Object.assign(new Error('x'), { name })), 'credentials', name);
    }
    for (const e of [pgError('57P03'), pgError('08006'), pgError('ECONNREFUSED'), pgError('42P01'), new Error('boom'), null]) {
      assert.equal(isRefusedSetting(e), null, String((e as { code?: string } | null)?.code));
    }
  });
});
