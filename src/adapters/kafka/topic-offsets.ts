/**
 * A long-lived reader of a topic's offsets, for the dashboard's lag (src/core/lag.ts). One admin
 * connection is kept open between refreshes; after a failure it is dropped and the next call connects a
 * new one, so a broker restart is survived. Uses the client built by ./admin.ts (the one file that
 * imports kafkajs), with few retries: a refresh must not wait long on a dead broker.
 */
import type { KafkaSettings } from '../../core/config.js';
import type { TopicOffsets } from '../../core/lag.js';
import { brokerAddress, createKafka } from './admin.js';

export interface OffsetReader {
  readonly address: string;
  endOffsets(topic: string): Promise<TopicOffsets[]>;
  close(): Promise<void>;
}

export function createOffsetReader(settings: KafkaSettings, timeoutMs = 2000): OffsetReader {
  const kafka = createKafka(settings, { connectTimeoutMs: timeoutMs, retries: 0 });
  let admin: ReturnType<typeof kafka.admin> | null = null;
  return {
    address: brokerAddress(settings),
    async endOffsets(topic) {
      try {
        if (!admin) {
          admin = kafka.admin();
          await admin.connect();
        }
        const offsets = await admin.fetchTopicOffsets(topic);
        return offsets.map((p) => ({ partition: p.partition, low: Number(p.low), high: Number(p.high) }));
      } catch (e) {
        const dead = admin;
        admin = null;
        await dead?.disconnect().catch(() => undefined);
        throw e;
      }
    },
    async close() {
      await admin?.disconnect().catch(() => undefined);
      admin = null;
    },
  };
}
