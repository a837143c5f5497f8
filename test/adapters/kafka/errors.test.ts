/**
 * The one Kafka error table and the admin retry (pure logic: a fake admin stands in for the broker; the
 * real race is in test/integration-services/kafka-race.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { isRetriableKafkaError, protocolCode, retriableCode } from '../../../src/adapters/kafka/errors.js';
import { withAdmin } from '../../../src/adapters/kafka/admin.js';
import { resolveConfig } from '../../../src/core/config.js';

/** What kafkajs throws when listOffsets reaches a broker that is not (yet) the partition's leader. */
const notLeader = () => Object.assign(new Error('This server is not the leader for that topic-partition'), { name: 'KafkaJSProtocolError', type: 'NOT_LEADER_FOR_PARTITION', code: 6, retriable: true });

function fakeKafka(): Kafka {
  return { admin: () => ({ connect: async () => undefined, disconnect: async () => undefined }) } as unknown as Kafka;
}
const settings = resolveConfig({}, {}).kafka;
const fast = { attempts: 4, baseMs: 1, capMs: 2, retryAfterCapMs: 0 };

describe('Kafka errors: one table for produce, fetch and admin', () => {
  it('leader changes, timeouts and storage errors are retriable; authorization, out of range and duplicates are not', () => {
    for (const c of [3, 5, 6, 7, 9, 13, 19, 20, 56, 74, 75, 78, 89]) assert.equal(retriableCode(c), true, `code ${c}`);
    for (const c of [0, 1, 29, 36, 46, 9999]) assert.equal(retriableCode(c), false, `code ${c}`);
  });

  it('finds the code in kafkajs errors, by type name or code, also when wrapped', () => {
    assert.equal(protocolCode(notLeader()), 6);
    assert.equal(protocolCode({ name: 'KafkaJSNumberOfRetriesExceeded', cause: notLeader() }), 6);
    assert.equal(protocolCode({ type: 'LEADER_NOT_AVAILABLE' }), 5);
    assert.equal(protocolCode(new Error('ECONNREFUSED')), null);
    assert.equal(isRetriableKafkaError({ type: 'TOPIC_AUTHORIZATION_FAILED', code: 29 }), false);
  });

  it('one table: kafkajs\' own names for a code (GROUP_LOAD_IN_PROGRESS, NOT_COORDINATOR_FOR_GROUP) are the same rows', () => {
    assert.equal(protocolCode({ type: 'GROUP_LOAD_IN_PROGRESS' }), 14);
    assert.equal(protocolCode({ type: 'NOT_COORDINATOR_FOR_GROUP' }), 16);
    assert.equal(protocolCode({ type: 'NOT_LEADER_OR_FOLLOWER' }), 6);
    for (const c of [72, 80, 83, 88]) assert.equal(retriableCode(c), true, `kafkajs-retriable code ${c}`);
    assert.equal(retriableCode(84), false, 'ELECTION_NOT_NEEDED: only an explicit election answers it');
  });

  it('topic creation: an aggregate of leader errors is retriable, one final error among them is not', () => {
    const leaderErrors = { name: 'KafkaJSAggregateError', errors: [{ type: 'LEADER_NOT_AVAILABLE' }, { type: 'UNKNOWN_TOPIC_OR_PARTITION' }, notLeader()] };
    assert.equal(isRetriableKafkaError(leaderErrors), true);
    assert.equal(isRetriableKafkaError({ errors: [{ type: 'LEADER_NOT_AVAILABLE' }, { type: 'TOPIC_AUTHORIZATION_FAILED', code: 29 }] }), false);
    assert.equal(isRetriableKafkaError({ errors: [{ type: 'LEADER_NOT_AVAILABLE' }, new Error('??')] }), false);
  });

  it('withAdmin runs the call again while the answer is retriable, and only then', async () => {
    let calls = 0;
    const got = await withAdmin(fakeKafka(), settings, async () => {
      if (++calls < 3) throw notLeader();
      return 'offsets';
    }, fast);
    assert.deepEqual([got, calls], ['offsets', 3]);

    calls = 0;
    await assert.rejects(withAdmin(fakeKafka(), settings, async () => {
      calls++;
      throw Object.assign(new Error('denied'), { type: 'TOPIC_AUTHORIZATION_FAILED', code: 29 });
    }, fast), /denied/);
    assert.equal(calls, 1, 'a final error is not retried');
  });

  it('gives up after the policy\'s attempts with a temporary failure (exit 75) naming Kafka and its address', async () => {
    let calls = 0;
    await assert.rejects(
      withAdmin(fakeKafka(), settings, async () => {
        calls++;
        throw notLeader();
      }, fast),
      (e: { code?: string; message?: string; details?: { service?: string } }) =>
        e.code === 'FINDOC_TEMPORARY' && e.details?.service === 'Kafka' && /127\.0\.0\.1:9092 still answers "This server is not the leader/.test(e.message ?? ''),
    );
    assert.equal(calls, 4);
  });
});
