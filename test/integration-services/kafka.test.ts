/**
 * kafkajs 2.2.4 against the Kafka 4.x broker of the local stack: the first end-to-end proof that the
 * client's protocol versions are accepted (KIP-896 removed the old ones in 4.0).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createKafka, ensureTopic, withAdmin } from '../../src/adapters/kafka/admin.js';
import { CheckedPool, kafkaConnectionOptions } from '../../src/adapters/kafka/connection.js';
import { FETCH_API_KEY, FETCH_VERSION } from '../../src/adapters/kafka/fetch.js';
import { PRODUCE_API_KEY, PRODUCE_VERSION } from '../../src/adapters/kafka/produce.js';
import { FindocError } from '../../src/core/errors.js';
import { stackConfig, uniqueName } from '../helpers/services.js';

const config = stackConfig();
const kafka = createKafka(config.kafka, { retries: 5 });
const topic = uniqueName('it-kafka');
const group = uniqueName('it-group');

describe('Kafka adapter against the real broker', () => {
  before(async () => {
    const created = await withAdmin(kafka, config.kafka, (admin) => ensureTopic(admin, topic, 3));
    assert.equal(created, true);
    // Idempotent: a second call finds the topic.
    assert.equal(await withAdmin(kafka, config.kafka, (admin) => ensureTopic(admin, topic, 3)), false);
  });

  after(async () => {
    await withAdmin(kafka, config.kafka, (admin) => admin.deleteTopics({ topics: [topic] })).catch(() => undefined);
  });

  it('the broker offers the Produce and Fetch versions findoc writes itself (ApiVersions, checked at connect)', async () => {
    const [host, port] = config.kafka.brokers[0].split(':');
    const needed = [
      { apiKey: PRODUCE_API_KEY, name: 'Produce', version: PRODUCE_VERSION },
      { apiKey: FETCH_API_KEY, name: 'Fetch', version: FETCH_VERSION },
    ];
    const pool = new CheckedPool(config.kafka, kafkaConnectionOptions(config.kafka), needed);
    try {
      await pool.get({ host, port: Number(port) });
    } finally {
      await pool.close();
    }
    // And one it does not offer is refused with exit 69, naming the broker and what it offers.
    const future = new CheckedPool(config.kafka, kafkaConnectionOptions(config.kafka), [{ apiKey: FETCH_API_KEY, name: 'Fetch', version: 999 }]);
    try {
      await assert.rejects(future.get({ host, port: Number(port) }), (e: FindocError) =>
        e.exitCode === 69 && new RegExp(`^Kafka at ${host}:${port} does not offer Fetch v999 \\(API key 1; the broker offers v\\d+–v\\d+\\)`).test(e.message),
      );
    } finally {
      await future.close();
    }
  });

  it('produces, consumes in a group, commits, and the admin client reads the committed offsets back', async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const sent = Array.from({ length: 30 }, (_, i) => ({ key: `ip-${i % 7}`, value: `row-${i}`, timestamp: String(1_498_780_800_000 + i * 1000) }));
    await producer.send({ topic, messages: sent });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 1000 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: { key: string; value: string; timestamp: string; partition: number; offset: string }[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${received.length} of ${sent.length} records arrived`)), 30_000);
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            received.push({
              key: message.key!.toString(),
              value: message.value!.toString(),
              timestamp: message.timestamp,
              partition,
              offset: message.offset,
            });
            await consumer.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }]);
            if (received.length === sent.length) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();

    assert.deepEqual(received.map((r) => r.value).sort(), sent.map((s) => s.value).sort());
    for (const r of received) {
      const original = sent.find((s) => s.value === r.value)!;
      assert.equal(r.key, original.key);
      assert.equal(r.timestamp, original.timestamp);
    }
    // Same key → same partition, and within a partition the order of production is kept.
    const byKey = new Map<string, Set<number>>();
    for (const r of received) byKey.set(r.key, (byKey.get(r.key) ?? new Set()).add(r.partition));
    for (const [key, parts] of byKey) assert.equal(parts.size, 1, `key ${key} spread over partitions`);

    const committed = await withAdmin(kafka, config.kafka, (admin) => admin.fetchOffsets({ groupId: group, topics: [topic] }));
    const perPartition = new Map(committed[0].partitions.map((p) => [p.partition, Number(p.offset)]));
    const expected = new Map<number, number>();
    for (const r of received) expected.set(r.partition, (expected.get(r.partition) ?? 0) + 1);
    for (const [partition, count] of expected) assert.equal(perPartition.get(partition), count, `partition ${partition}`);
    const end = await withAdmin(kafka, config.kafka, (admin) => admin.fetchTopicOffsets(topic));
    assert.equal(end.reduce((n, p) => n + Number(p.high), 0), sent.length);
  });

  it('an unreachable broker is exit 69 naming the address and KAFKA_BROKERS', async () => {
    const settings = { ...config.kafka, brokers: ['127.0.0.1:1'] };
    await assert.rejects(
      withAdmin(createKafka(settings, { retries: 0, connectTimeoutMs: 500 }), settings, (admin) => admin.listTopics()),
      (e: unknown) => e instanceof FindocError && e.exitCode === 69 && /127\.0\.0\.1:1/.test(e.message) && /KAFKA_BROKERS/.test(e.details.setting ?? ''),
    );
  });
});
