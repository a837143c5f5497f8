import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LOCAL_S3, resolveConfig } from '../../src/core/config.js';
import { FindocError } from '../../src/core/errors.js';

const noFile = { HOME: '/nonexistent-home-for-tests' };

function configFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'findoc-config-'));
  const path = join(dir, 'config.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('resolveConfig precedence: defaults < file < env < flags', () => {
  it('uses the local stack defaults with nothing set', () => {
    const c = resolveConfig({}, noFile);
    assert.deepEqual(c.kafka.brokers, ['127.0.0.1:9092']);
    assert.equal(c.redis.url, 'redis://127.0.0.1:6379');
    assert.match(c.postgres.url, /^postgres:\/\/[^@]+@127\.0\.0\.1:5432\/findoc$/);
    assert.equal(c.s3.endpoint, LOCAL_S3.endpoint);
    assert.equal(c.s3.accessKeyId, LOCAL_S3.accessKeyId);
    assert.equal(c.s3.forcePathStyle, true);
    assert.equal(c.s3.checksums, 'when_supported');
    assert.equal(c.sec.userAgent, undefined);
  });

  it('a config file overrides defaults, the environment overrides the file, flags override both', () => {
    const path = configFile({ kafka: { brokers: ['file:9092'] }, redis: { url: 'redis://file:1' }, sec: { userAgent: 'File UA a@b.c' } });
    const fromFile = resolveConfig({ config: path }, noFile);
    assert.deepEqual(fromFile.kafka.brokers, ['file:9092']);
    assert.equal(fromFile.redis.url, 'redis://file:1');
    assert.equal(fromFile.sec.userAgent, 'File UA a@b.c');
    assert.equal(fromFile.configFile, path);

    const env = { ...noFile, KAFKA_BROKERS: 'env1:9092, env2:9092', REDIS_URL: 'redis://env:2' };
    const fromEnv = resolveConfig({ config: path }, env);
    assert.deepEqual(fromEnv.kafka.brokers, ['env1:9092', 'env2:9092']);
    assert.equal(fromEnv.redis.url, 'redis://env:2');

    const fromFlags = resolveConfig({ config: path, brokers: 'flag:9092', redisUrl: 'redis://flag:3' }, env);
    assert.deepEqual(fromFlags.kafka.brokers, ['flag:9092']);
    assert.equal(fromFlags.redis.url, 'redis://flag:3');
  });

  it('finds the default config file under XDG_CONFIG_HOME', () => {
    const xdg = mkdtempSync(join(tmpdir(), 'findoc-xdg-'));
    mkdirSync(join(xdg, 'findoc'));
    writeFileSync(join(xdg, 'findoc', 'config.json'), JSON.stringify({ postgres: { url: 'postgres://u@db:5433/x' } }));
    assert.equal(resolveConfig({}, { XDG_CONFIG_HOME: xdg }).postgres.url, 'postgres://u@db:5433/x');
  });

  it('DATABASE_URL wins over PG* variables, which build a URL when set', () => {
    assert.equal(resolveConfig({}, { ...noFile, PGHOST: 'h', PGPORT: '6543', PGDATABASE: 'd', PGUSER: 'u' }).postgres.url, 'postgres://u@h:6543/d');
    assert.equal(
      resolveConfig({}, { ...noFile, PGHOST: 'h', DATABASE_URL: 'postgres://x@y/z' }).postgres.url,
      'postgres://x@y/z',
    );
  });

  it('a non-local S3 endpoint gets no built-in credentials', () => {
    const c = resolveConfig({}, { ...noFile, AWS_ENDPOINT_URL_S3: 'https://s3.example.com' });
    assert.equal(c.s3.endpoint, 'https://s3.example.com');
    assert.equal(c.s3.accessKeyId, undefined);
    assert.equal(c.s3.secretAccessKey, undefined);
  });

  it('rejects a named config file that is missing or not a JSON object, with exit 78', () => {
    for (const flags of [{ config: '/nonexistent/findoc.json' }, { config: configFile('[1,2]') }, { config: configFile('{nope') }]) {
      assert.throws(
        () => resolveConfig(flags, noFile),
        (e: unknown) => e instanceof FindocError && e.exitCode === 78 && /config file/.test(e.message),
      );
    }
  });

  it('a misspelled section or key in the config file is exit 78 naming it, the file and the nearest key', () => {
    const cases: [string, RegExp][] = [
      ['{"kafak": {}}', /unknown section "kafak" \(did you mean "kafka"\?\)/],
      ['{"redis": {"uri": "redis://x"}}', /unknown key "redis\.uri" \(did you mean "redis\.url"\?\)|unknown key "redis\.uri" \(did you mean "url"\?\)/],
      ['{"s3": {"endpoint": "http://x", "acessKeyId": "k"}}', /unknown key "s3\.acessKeyId" \(did you mean "accessKeyId"\?\)/],
      ['{"postgres": "postgres://x"}', /"postgres" must be an object/],
    ];
    for (const [text, message] of cases) {
      const path = configFile(text);
      assert.throws(
        () => resolveConfig({ config: path }, noFile),
        (e: unknown) => e instanceof FindocError && e.exitCode === 78 && message.test(e.message) && e.message.includes(path) && (e.details.setting ?? '').includes(path),
        text,
      );
    }
    // Every key the header comment documents is accepted.
    const full = configFile(JSON.stringify({
      kafka: { brokers: ['h:9092'], clientId: 'c', ssl: false, sasl: { mechanism: 'plain', username: 'u', password: 'p' } },
      redis: { url: 'redis://h:6379' },
      postgres: { url: 'postgres://h/db' },
      s3: { endpoint: 'http://h:9000', region: 'r', accessKeyId: 'a', secretAccessKey: 's', forcePathStyle: true, checksums: 'when_required' },
      sec: { userAgent: 'x y@z' },
    }));
    assert.equal(resolveConfig({ config: full }, noFile).redis.url, 'redis://h:6379');
  });

  it('says which service addresses came from the config file (the CLI names the file in their errors)', () => {
    const path = configFile(JSON.stringify({ kafka: { brokers: ['f:9092'] }, redis: { url: 'redis://f:1' }, postgres: { url: 'postgres://f/db' }, s3: { endpoint: 'http://f:9000' } }));
    assert.deepEqual(resolveConfig({ config: path }, noFile).fromFile, ['Kafka', 'Redis', 'PostgreSQL', 'S3']);
    // An address from the environment or a flag is not the file's.
    assert.deepEqual(resolveConfig({ config: path, redisUrl: 'redis://flag:2' }, { ...noFile, KAFKA_BROKERS: 'e:9092', DATABASE_URL: 'postgres://e/db' }).fromFile, ['S3']);
    assert.deepEqual(resolveConfig({}, noFile).fromFile, []);
  });

  it('rejects an unknown S3 checksum mode with exit 78', () => {
    assert.throws(
      () => resolveConfig({}, { ...noFile, FINDOC_S3_CHECKSUMS: 'sometimes' }),
      (e: unknown) => e instanceof FindocError && e.exitCode === 78 && /FINDOC_S3_CHECKSUMS/.test(e.details.setting ?? ''),
    );
  });
});


describe('settings read in Config only', () => {
  it('the PostgreSQL schema: --schema, else FINDOC_PG_SCHEMA, else none (the search_path)', () => {
    assert.equal(resolveConfig({}, noFile).postgres.schema, undefined);
    assert.equal(resolveConfig({}, { ...noFile, FINDOC_PG_SCHEMA: '' }).postgres.schema, undefined);
    assert.equal(resolveConfig({}, { ...noFile, FINDOC_PG_SCHEMA: 'from_env' }).postgres.schema, 'from_env');
    assert.equal(resolveConfig({ schema: 'from_flag' }, { ...noFile, FINDOC_PG_SCHEMA: 'from_env' }).postgres.schema, 'from_flag');
  });

  it('colour is on unless NO_COLOR is set to something', () => {
    assert.equal(resolveConfig({}, noFile).colour, true);
    assert.equal(resolveConfig({}, { ...noFile, NO_COLOR: '' }).colour, true);
    assert.equal(resolveConfig({}, { ...noFile, NO_COLOR: '1' }).colour, false);
  });

  it('no module of src/ but core/config.ts reads process.env', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const root = join(import.meta.dirname, '../../src');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    // commands/context.ts hands process.env to resolveConfig; s3.ts sets (does not read) an SDK switch.
    const allowed = new Set(['core/config.ts', 'commands/context.ts', 'adapters/s3.ts']);
    const readers = files.filter((f) => !allowed.has(f.replaceAll('\\', '/')) && /process\.env\b/.test(readFileSync(join(root, f), 'utf8')));
    assert.deepEqual(readers, []);
  });
});

describe('secrets in Config are non-enumerable (issue 17 item 6)', () => {
  it('no JSON dump or spread of the config carries the SASL password or the S3 secret key', async () => {
    const { resolveConfig } = await import('../../src/core/config.js');
    const { inspect } = await import('node:util');
    const config = resolveConfig({}, {
      HOME: '/nonexistent-findoc-home',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'kafka-pw-4711',
      AWS_SECRET_ACCESS_KEY: 'aws-secret-4711',
      AWS_ACCESS_KEY_ID: 'AKID',
    });
    assert.equal(config.kafka.sasl?.password, 'kafka-pw-4711');
    assert.equal(config.s3.secretAccessKey, 'aws-secret-4711');
    for (const dump of [JSON.stringify(config), inspect(config, { depth: 9 }), JSON.stringify({ ...config.s3 }), JSON.stringify(structuredClone(config))]) {
      assert.ok(!dump.includes('4711'), dump);
    }
  });
});
