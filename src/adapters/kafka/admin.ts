/**
 * Kafka's admin side (topics, offsets, cluster) on kafkajs. The only file that imports kafkajs, so the
 * client can be swapped if measurements call for it (see ../shared/notes/local-stack.md). kafkajs 2.2.4 is pure JavaScript; its protocol versions are
 * at or above Kafka 4.0's minimums (proved by test/integration-services/kafka.test.ts against a 4.x broker).
 */
import { Kafka, logLevel, type Admin, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { SETTING_NAMES, type KafkaSettings } from '../../core/config.js';
import { FindocError, serviceUnavailable } from '../../core/errors.js';
import { backoffMs, type RetryPolicy } from '../../core/retry.js';
import { isUnreachable } from '../../core/service-errors.js';
import { isRetriableKafkaError } from './errors.js';

export interface KafkaClientOptions {
  /** How long to keep trying to connect before reporting the broker unavailable. */
  connectTimeoutMs?: number;
  /** Retries of a failed request (kafkajs' own backoff). Small for interactive commands. */
  retries?: number;
}

export function brokerAddress(settings: KafkaSettings): string {
  return settings.brokers.join(',');
}

export function createKafka(settings: KafkaSettings, options: KafkaClientOptions = {}): Kafka {
  const config: KafkaConfig = {
    clientId: settings.clientId,
    brokers: settings.brokers,
    ssl: settings.ssl,
    // The password is non-enumerable in Config (config.ts): copy it by name.
    sasl: settings.sasl ? ({ ...settings.sasl, password: settings.sasl.password } as SASLOptions) : undefined,
    connectionTimeout: options.connectTimeoutMs ?? 3000,
    retry: { retries: options.retries ?? 2, initialRetryTime: 200, maxRetryTime: 2000 },
    // kafkajs logs to stdout by default; findoc keeps stdout for results, so only errors, to stderr.
    logLevel: logLevel.NOTHING,
  };
  return new Kafka(config);
}

export function kafkaUnavailable(settings: KafkaSettings, e: unknown): FindocError {
  return serviceUnavailable('Kafka', brokerAddress(settings), SETTING_NAMES.kafka, e);
}

/**
 * Admin calls retried when Kafka answers with a retriable protocol error (errors.ts): up to 8 attempts,
 * full jitter up to 200 ms, 400 ms, … 2 s (~8 s in all). Covers the moment a new topic has no leader yet,
 * when listing its offsets says "This server is not the leader for that topic-partition".
 */
export const ADMIN_RETRY: RetryPolicy = { attempts: 8, baseMs: 200, capMs: 2000, retryAfterCapMs: 0 };

/**
 * Runs fn with a connected admin client, mapping unreachable brokers to exit 69 and retrying fn (so fn must
 * be safe to run again: ensureTopic and offset reads are) while Kafka's answers are retriable.
 */
export async function withAdmin<T>(kafka: Kafka, settings: KafkaSettings, fn: (admin: Admin) => Promise<T>, policy: RetryPolicy = ADMIN_RETRY): Promise<T> {
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (e) {
    throw kafkaUnavailable(settings, e);
  }
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(admin);
      } catch (e) {
        if (!isRetriableKafkaError(e)) throw e;
        if (attempt >= policy.attempts) {
          throw new FindocError('FINDOC_TEMPORARY', `Kafka at ${brokerAddress(settings)} still answers "${(e as Error).message}" after ${attempt} attempts`, {
            service: 'Kafka',
            hint: 'the cluster is electing leaders or restarting: try again in a moment',
          });
        }
        await new Promise((r) => setTimeout(r, backoffMs(attempt, policy)));
      }
    }
  } catch (e) {
    if (isUnreachable(e)) throw kafkaUnavailable(settings, e);
    throw e;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Creates a topic when absent. Returns true when it created it. */
export async function ensureTopic(admin: Admin, topic: string, partitions: number): Promise<boolean> {
  return admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: -1 }], waitForLeaders: true });
}

export async function describeCluster(kafka: Kafka, settings: KafkaSettings): Promise<{ brokers: number; controller: number | null }> {
  return withAdmin(kafka, settings, async (admin) => {
    const c = await admin.describeCluster();
    return { brokers: c.brokers.length, controller: c.controller };
  });
}
