/**
 * The one table of Kafka protocol error codes findoc acts on (https://kafka.apache.org/protocol#protocol_error_codes),
 * and the one answer to "is this failure worth a retry?" for every Kafka call: produce (kafka-producer.ts),
 * fetch (kafka-consumer.ts) and the admin calls (kafka.ts withAdmin: topic creation, offsets, metadata).
 *
 * Retriable codes are those the protocol marks retriable and that a retry after refreshing metadata can
 * cure: a leader moving or not elected yet (a topic just created: "This server is not the leader for that
 * topic-partition"), a broker restarting, replicas catching up, a quota. Everything else is final.
 */
export const KAFKA_ERRORS = new Map<number, { name: string; retriable: boolean }>([
  [1, { name: 'OFFSET_OUT_OF_RANGE', retriable: false }],
  [2, { name: 'CORRUPT_MESSAGE', retriable: true }],
  [3, { name: 'UNKNOWN_TOPIC_OR_PARTITION', retriable: true }],
  [5, { name: 'LEADER_NOT_AVAILABLE', retriable: true }],
  [6, { name: 'NOT_LEADER_OR_FOLLOWER', retriable: true }],
  [7, { name: 'REQUEST_TIMED_OUT', retriable: true }],
  [9, { name: 'REPLICA_NOT_AVAILABLE', retriable: true }],
  [13, { name: 'NETWORK_EXCEPTION', retriable: true }],
  [14, { name: 'COORDINATOR_LOAD_IN_PROGRESS', retriable: true }],
  [15, { name: 'COORDINATOR_NOT_AVAILABLE', retriable: true }],
  [16, { name: 'NOT_COORDINATOR', retriable: true }],
  [19, { name: 'NOT_ENOUGH_REPLICAS', retriable: true }],
  [20, { name: 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', retriable: true }],
  [29, { name: 'TOPIC_AUTHORIZATION_FAILED', retriable: false }],
  [36, { name: 'TOPIC_ALREADY_EXISTS', retriable: false }],
  [41, { name: 'NOT_CONTROLLER', retriable: true }],
  [46, { name: 'DUPLICATE_SEQUENCE_NUMBER', retriable: false }],
  [56, { name: 'KAFKA_STORAGE_ERROR', retriable: true }],
  [74, { name: 'FENCED_LEADER_EPOCH', retriable: true }],
  [75, { name: 'UNKNOWN_LEADER_EPOCH', retriable: true }],
  [78, { name: 'OFFSET_NOT_AVAILABLE', retriable: true }],
  [89, { name: 'THROTTLING_QUOTA_EXCEEDED', retriable: true }],
]);

/** kafkajs names some codes by their older names. */
const KAFKAJS_TYPES = new Map<string, number>([
  ['NOT_LEADER_FOR_PARTITION', 6],
  ['NOT_LEADER_OR_FOLLOWER', 6],
  ['LEADER_NOT_AVAILABLE', 5],
  ['UNKNOWN_TOPIC_OR_PARTITION', 3],
  ['REQUEST_TIMED_OUT', 7],
  ['REPLICA_NOT_AVAILABLE', 9],
  ['NETWORK_EXCEPTION', 13],
  ['NOT_CONTROLLER', 41],
  ['FENCED_LEADER_EPOCH', 74],
  ['UNKNOWN_LEADER_EPOCH', 75],
  ['OFFSET_NOT_AVAILABLE', 78],
]);

/** Is Kafka error code `code` worth a retry after refreshing metadata? */
export function retriableCode(code: number): boolean {
  return KAFKA_ERRORS.get(code)?.retriable === true;
}

export function errorName(code: number): string {
  return KAFKA_ERRORS.get(code)?.name ?? `Kafka error code ${code}`;
}

/**
 * The protocol error code carried by a client error (kafkajs' KafkaJSProtocolError has `type` and
 * `code`; its wrappers keep the original in `cause` or `originalError`), or null.
 */
export function protocolCode(e: unknown): number | null {
  for (let x = e as { code?: unknown; type?: unknown; cause?: unknown; originalError?: unknown } | undefined, depth = 0; x && depth < 5; depth++) {
    if (typeof x.type === 'string' && KAFKAJS_TYPES.has(x.type)) return KAFKAJS_TYPES.get(x.type)!;
    if (typeof x.code === 'number' && KAFKA_ERRORS.has(x.code)) return x.code;
    x = (x.cause ?? x.originalError) as typeof x;
  }
  return null;
}

/** Does this client error carry a retriable protocol code? */
export function isRetriableKafkaError(e: unknown): boolean {
  const code = protocolCode(e);
  return code !== null && retriableCode(code);
}
