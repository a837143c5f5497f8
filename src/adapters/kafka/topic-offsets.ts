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
  // Closed for good: a read still in flight when close() is called must not connect again (an admin
  // connected after close kept the process alive: watch did not exit after q).
  let closed = false;
  return {
    address: brokerAddress(settings),
    async endOffsets(topic) {
      if (closed) throw new Error('the offset reader is closed');
      try {
        if (!admin) {
          const fresh = kafka.admin();
          admin = fresh;
          await fresh.connect();
          if (closed) {
            await fresh.disconnect().catch(() => undefined);
            throw new Error('the offset reader is closed');
          }
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
      closed = true;
      await admin?.disconnect().catch(() => undefined);
      admin = null;
    },
  };
}
