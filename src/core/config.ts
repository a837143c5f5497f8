/**
 * Connection settings, resolved in increasing precedence (DESIGN §3):
 *   defaults (the local stack) < config file < environment < command-line flags.
 *
 * The config file is JSON, found at --config, else $FINDOC_CONFIG, else
 * $XDG_CONFIG_HOME/findoc/config.json (~/.config/findoc/config.json) when it exists:
 *
 *   { "kafka":    { "brokers": ["host:9092"], "clientId": "findoc", "ssl": true,
 *                   "sasl": { "mechanism": "scram-sha-512", "username": "u", "password": "p" } },
 *     "redis":    { "url": "rediss://:pw@host:6380" },
 *     "postgres": { "url": "postgres://user:pw@host:5432/findoc?sslmode=require" },
 *     "s3":       { "endpoint": "http://127.0.0.1:9000", "region": "us-east-1", "accessKeyId": "…",
 *                   "secretAccessKey": "…", "forcePathStyle": true, "checksums": "when_supported" },
 *     "sec":      { "userAgent": "Sample Company Name admin@example.com" } }
 *
 * This module is the only reader of findoc's environment settings (KAFKA_*, REDIS_URL, DATABASE_URL, PG*,
 * AWS_*, FINDOC_*, NO_COLOR): commands get them from the Config. It takes the environment, the file's
 * parsed content and the flags as values.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { configError } from './errors.js';

export type S3ChecksumMode = 'when_supported' | 'when_required';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  ssl: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

export interface S3Settings {
  /** undefined means AWS itself (the SDK picks the regional endpoint). */
  endpoint?: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
  /** The AWS SDK's flexible checksums: "when_required" for servers that do not support them. */
  checksums: S3ChecksumMode;
}

export interface Config {
  kafka: KafkaSettings;
  redis: { url: string };
  /** schema: where findoc's tables are (--schema, else FINDOC_PG_SCHEMA; undefined: the search_path). */
  postgres: { url: string; schema?: string };
  s3: S3Settings;
  sec: { userAgent?: string };
  /** Colours on a TTY unless NO_COLOR is set (https://no-color.org). */
  colour: boolean;
  /** Where the settings came from, for doctor and error messages. */
  configFile?: string;
  /** The services whose address came from the config file (an error about them names the file). */
  fromFile: ServiceName[];
}

export type ServiceName = 'Kafka' | 'Redis' | 'PostgreSQL' | 'S3';

/** The setting a user changes for each service, quoted by errors and doctor. */
export const SETTING_NAMES = {
  kafka: 'KAFKA_BROKERS or --brokers',
  redis: 'REDIS_URL or --redis-url',
  postgres: 'DATABASE_URL (or PGHOST/PGPORT/PGDATABASE) or --database-url',
  s3: 'AWS_ENDPOINT_URL_S3 or --s3-endpoint',
  sec: 'FINDOC_USER_AGENT or --user-agent',
} as const;

/** Local stack defaults: what `npm run stack:up` starts (stack/stack.sh). */
export const LOCAL_S3 = {
  endpoint: 'http://127.0.0.1:9000',
  accessKeyId: 'findoc',
  secretAccessKey: 'findoc-local-secret',
} as const;

export interface GlobalFlags {
  config?: string;
  brokers?: string;
  redisUrl?: string;
  databaseUrl?: string;
  s3Endpoint?: string;
  /** The PostgreSQL schema flag of the commands that have one (bands, batch, companies, top, watch). */
  schema?: string;
}

type Env = Record<string, string | undefined>;

interface FileConfig {
  kafka?: Partial<KafkaSettings> & { brokers?: string[] | string };
  redis?: { url?: string };
  postgres?: { url?: string };
  s3?: Partial<S3Settings>;
  sec?: { userAgent?: string };
}

export function defaultConfigPath(env: Env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'findoc', 'config.json');
}

/** Reads the config file named by flags/env, or the default one when present. */
export function readConfigFile(flags: GlobalFlags, env: Env): { path?: string; content: FileConfig } {
  const named = flags.config ?? env.FINDOC_CONFIG;
  const path = named ?? defaultConfigPath(env);
  if (!existsSync(path)) {
    if (named) throw configError(`config file ${path} does not exist`, '--config or FINDOC_CONFIG');
    return { content: {} };
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw configError(`cannot read config file ${path}: ${(e as Error).message}`, '--config or FINDOC_CONFIG');
  }
  try {
    const content = JSON.parse(text) as FileConfig;
    if (typeof content !== 'object' || content === null || Array.isArray(content)) throw new Error('not an object');
    checkKeys(content, path);
    return { path, content };
  } catch (e) {
    if ((e as { code?: string }).code === 'FINDOC_CONFIG') throw e;
    throw configError(`config file ${path} is not a JSON object: ${(e as Error).message}`, '--config or FINDOC_CONFIG');
  }
}

/** The keys a config file may hold, per section (the header comment shows them in use). */
const FILE_KEYS: Record<string, readonly string[]> = {
  kafka: ['brokers', 'clientId', 'ssl', 'sasl'],
  redis: ['url'],
  postgres: ['url'],
  s3: ['endpoint', 'region', 'accessKeyId', 'secretAccessKey', 'forcePathStyle', 'checksums'],
  sec: ['userAgent'],
};

/** A misspelled key (`"kafak": {}`) is an error naming it and the file, not a setting silently ignored. */
function checkKeys(content: object, path: string): void {
  const problems: string[] = [];
  for (const [section, value] of Object.entries(content)) {
    const known = FILE_KEYS[section];
    if (!known) {
      problems.push(`unknown section "${section}"${suggest(section, Object.keys(FILE_KEYS))}`);
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`"${section}" must be an object`);
      continue;
    }
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) problems.push(`unknown key "${section}.${key}"${suggest(key, known)}`);
    }
  }
  if (problems.length) {
    throw configError(
      `config file ${path}: ${problems.join('; ')}`,
      `${path} (or --config, FINDOC_CONFIG)`,
      `the keys are ${Object.entries(FILE_KEYS).map(([s, keys]) => `${s}.{${keys.join(',')}}`).join(' ')}`,
    );
  }
}

function suggest(word: string, candidates: readonly string[]): string {
  const best = candidates
    .map((c) => ({ c, d: editDistance(word.toLowerCase(), c.toLowerCase()) }))
    .sort((a, b) => a.d - b.d)[0];
  return best && best.d <= Math.max(2, Math.floor(word.length / 3)) ? ` (did you mean "${best.c}"?)` : '';
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

function splitList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

function parseChecksums(value: string | undefined, fallback: S3ChecksumMode): S3ChecksumMode {
  if (value === undefined || value === '') return fallback;
  const v = value.toLowerCase();
  if (v === 'when_supported' || v === 'when_required') return v;
  throw configError(`unknown S3 checksum mode "${value}" (expected when_supported or when_required)`, 'FINDOC_S3_CHECKSUMS');
}

/** A PostgreSQL URL from libpq's PG* variables, when any is set. */
function postgresFromPgEnv(env: Env): string | undefined {
  if (!env.PGHOST && !env.PGPORT && !env.PGDATABASE && !env.PGUSER) return undefined;
  const host = env.PGHOST || '127.0.0.1';
  const port = env.PGPORT || '5432';
  const db = env.PGDATABASE || 'findoc';
  const user = env.PGUSER ? `${encodeURIComponent(env.PGUSER)}${env.PGPASSWORD ? ':' + encodeURIComponent(env.PGPASSWORD) : ''}@` : '';
  const ssl = env.PGSSLMODE ? `?sslmode=${encodeURIComponent(env.PGSSLMODE)}` : '';
  return `postgres://${user}${host}:${port}/${db}${ssl}`;
}

function defaultPostgresUrl(): string {
  // Trust auth on the local stack: connect as the OS user, as psql does.
  let user = 'postgres';
  try {
    user = userInfo().username || user;
  } catch {
    /* no passwd entry: keep postgres */
  }
  return `postgres://${encodeURIComponent(user)}@127.0.0.1:5432/findoc`;
}

export function resolveConfig(flags: GlobalFlags = {}, env: Env = process.env): Config {
  const { path, content: file } = readConfigFile(flags, env);

  const fileBrokers = file.kafka?.brokers;
  const brokers = flags.brokers
    ? splitList(flags.brokers)
    : env.KAFKA_BROKERS
      ? splitList(env.KAFKA_BROKERS)
      : Array.isArray(fileBrokers)
        ? fileBrokers
        : typeof fileBrokers === 'string'
          ? splitList(fileBrokers)
          : ['127.0.0.1:9092'];
  if (brokers.length === 0) throw configError('no Kafka brokers configured', SETTING_NAMES.kafka);

  const sasl = file.kafka?.sasl ?? (env.KAFKA_SASL_USERNAME
    ? {
        mechanism: (env.KAFKA_SASL_MECHANISM ?? 'plain') as NonNullable<KafkaSettings['sasl']>['mechanism'],
        username: env.KAFKA_SASL_USERNAME,
        password: env.KAFKA_SASL_PASSWORD ?? '',
      }
    : undefined);

  const endpoint = flags.s3Endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL ?? file.s3?.endpoint ?? LOCAL_S3.endpoint;
  const isLocal = endpoint === LOCAL_S3.endpoint;

  const fromFile: ServiceName[] = [];
  if (!flags.brokers && !env.KAFKA_BROKERS && fileBrokers !== undefined) fromFile.push('Kafka');
  if (!flags.redisUrl && !env.REDIS_URL && file.redis?.url) fromFile.push('Redis');
  if (!flags.databaseUrl && !env.DATABASE_URL && !postgresFromPgEnv(env) && file.postgres?.url) fromFile.push('PostgreSQL');
  if (!flags.s3Endpoint && !env.AWS_ENDPOINT_URL_S3 && !env.AWS_ENDPOINT_URL && file.s3?.endpoint) fromFile.push('S3');

  const config: Config = {
    configFile: path,
    fromFile,
    kafka: {
      brokers,
      clientId: env.KAFKA_CLIENT_ID ?? file.kafka?.clientId ?? 'findoc',
      ssl: env.KAFKA_SSL !== undefined ? env.KAFKA_SSL === 'true' || env.KAFKA_SSL === '1' : (file.kafka?.ssl ?? false),
      sasl,
    },
    redis: { url: flags.redisUrl ?? env.REDIS_URL ?? file.redis?.url ?? 'redis://127.0.0.1:6379' },
    postgres: {
      url: flags.databaseUrl ?? env.DATABASE_URL ?? postgresFromPgEnv(env) ?? file.postgres?.url ?? defaultPostgresUrl(),
      schema: flags.schema || env.FINDOC_PG_SCHEMA || undefined,
    },
    s3: {
      endpoint,
      region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? file.s3?.region ?? 'us-east-1',
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? file.s3?.accessKeyId ?? (isLocal ? LOCAL_S3.accessKeyId : undefined),
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? file.s3?.secretAccessKey ?? (isLocal ? LOCAL_S3.secretAccessKey : undefined),
      forcePathStyle: file.s3?.forcePathStyle ?? true,
      checksums: parseChecksums(env.FINDOC_S3_CHECKSUMS, file.s3?.checksums ?? 'when_supported'),
    },
    sec: { userAgent: env.FINDOC_USER_AGENT ?? file.sec?.userAgent },
    colour: colourAllowed(env),
  };
  if (config.kafka.sasl) config.kafka.sasl = hideSecret({ ...config.kafka.sasl }, 'password');
  hideSecret(config.s3, 'secretAccessKey');
  return config;
}

/**
 * Makes a secret a non-enumerable property (as node-postgres does for a client's password): it is read as
 * usual, but JSON.stringify, util.inspect, spreads and structured clones (worker threads) do not carry it,
 * so no dump or --json of the configuration can print it. Code that must pass it on copies it by name
 * (withSecrets). Connection URLs keep their password in the URL and are redacted where printed (redact.ts).
 */
export function hideSecret<T extends object>(obj: T, key: keyof T & string): T {
  const value = obj[key];
  if (value === undefined) return obj;
  Object.defineProperty(obj, key, { value, enumerable: false, writable: true, configurable: true });
  return obj;
}

/** A plain copy of S3 settings that still carries the secret key (for a worker thread's workerData). */
export function withSecrets(s3: S3Settings): S3Settings {
  return { ...s3, secretAccessKey: s3.secretAccessKey };
}

/** NO_COLOR set to anything non-empty turns colours off (https://no-color.org). */
export function colourAllowed(env: Env = process.env): boolean {
  return !env.NO_COLOR;
}
