/**
 * The one table of Kafka protocol error codes findoc acts on (https://kafka.apache.org/protocol#protocol_error_codes),
 * and the one answer to "is this failure worth a retry?" for every Kafka call: produce (producer.ts),
 * fetch and offsets (consumer.ts) and the admin calls (admin.ts withAdmin: topic creation, offsets, metadata).
 *
 * Retriable codes are those the protocol marks retriable and that a retry after refreshing metadata can
 * cure: a leader moving or not elected yet (a topic just created: "This server is not the leader for that
 * topic-partition"), a broker restarting, replicas catching up, a quota. Everything else is final.
 *
 * Where the rows come from. There used to be two tables that disagreed: this one (codes, from the protocol
 * page's "Retriable" column, filtered to what a retry after a metadata refresh cures) and a second one
 * mapping kafkajs' type names to codes, which knew only 11 of them — so a kafkajs error whose type it did
 * not list (GROUP_LOAD_IN_PROGRESS, NOT_COORDINATOR_FOR_GROUP, …) was judged by its numeric code alone, and
 * one without a code was not retried. They are one table now: each row has the protocol name and the
 * names kafkajs 2.2.4 uses (src/protocol/error.js) where they differ, and `retriable` is the union of
 *   - the protocol's retriable codes this table had (2 … 89 below, marked P), and
 *   - the codes kafkajs marks retriable that can reach findoc (marked K: 70–72, 80, 83, 88),
 * leaving out ELECTION_NOT_NEEDED (84), which kafkajs marks retriable but which only an explicit leader
 * election (never sent by findoc) can answer.
 */
export interface KafkaErrorRow {
  name: string;
  retriable: boolean;
  /** Other names for the code: kafkajs' (older) type names. */
  aliases?: readonly string[];
}

export const KAFKA_ERRORS = new Map<number, KafkaErrorRow>([
  [1, { name: 'OFFSET_OUT_OF_RANGE', retriable: false }],
  [2, { name: 'CORRUPT_MESSAGE', retriable: true }], // P K
  [3, { name: 'UNKNOWN_TOPIC_OR_PARTITION', retriable: true }], // P K: also a topic just created, before its metadata spread
  [5, { name: 'LEADER_NOT_AVAILABLE', retriable: true }], // P K: a topic just created, an election
  [6, { name: 'NOT_LEADER_OR_FOLLOWER', retriable: true, aliases: ['NOT_LEADER_FOR_PARTITION'] }], // P K
  [7, { name: 'REQUEST_TIMED_OUT', retriable: true }], // P K
  [9, { name: 'REPLICA_NOT_AVAILABLE', retriable: true }], // P K
  [13, { name: 'NETWORK_EXCEPTION', retriable: true }], // P K
  [14, { name: 'COORDINATOR_LOAD_IN_PROGRESS', retriable: true, aliases: ['GROUP_LOAD_IN_PROGRESS'] }], // P K
  [15, { name: 'COORDINATOR_NOT_AVAILABLE', retriable: true, aliases: ['GROUP_COORDINATOR_NOT_AVAILABLE'] }], // P K
  [16, { name: 'NOT_COORDINATOR', retriable: true, aliases: ['NOT_COORDINATOR_FOR_GROUP'] }], // P K
  [19, { name: 'NOT_ENOUGH_REPLICAS', retriable: true }], // P K
  [20, { name: 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', retriable: true }], // P K
  [29, { name: 'TOPIC_AUTHORIZATION_FAILED', retriable: false }],
  [35, { name: 'UNSUPPORTED_VERSION', retriable: false }],
  [36, { name: 'TOPIC_ALREADY_EXISTS', retriable: false }],
  [41, { name: 'NOT_CONTROLLER', retriable: true }], // P K
  [46, { name: 'DUPLICATE_SEQUENCE_NUMBER', retriable: false }],
  [56, { name: 'KAFKA_STORAGE_ERROR', retriable: true }], // P K
  [70, { name: 'FETCH_SESSION_ID_NOT_FOUND', retriable: true }], // K
  [71, { name: 'INVALID_FETCH_SESSION_EPOCH', retriable: true }], // K
  [72, { name: 'LISTENER_NOT_FOUND', retriable: true }], // K: a broker restarting, its listeners not registered yet
  [74, { name: 'FENCED_LEADER_EPOCH', retriable: true }], // P K
  [75, { name: 'UNKNOWN_LEADER_EPOCH', retriable: true }], // P K
  [78, { name: 'OFFSET_NOT_AVAILABLE', retriable: true }], // P K
  [80, { name: 'PREFERRED_LEADER_NOT_AVAILABLE', retriable: true }], // K
  [83, { name: 'ELIGIBLE_LEADERS_NOT_AVAILABLE', retriable: true }], // K
  [88, { name: 'UNSTABLE_OFFSET_COMMIT', retriable: true }], // K
  [89, { name: 'THROTTLING_QUOTA_EXCEEDED', retriable: true }], // P
]);

/** The codes findoc's own protocol code names. */
export const OFFSET_OUT_OF_RANGE = 1;
export const TOPIC_AUTHORIZATION_FAILED = 29;
export const UNSUPPORTED_VERSION = 35;
/** A retried Produce whose first attempt was written: counts as success (producer.ts). */
export const DUPLICATE_SEQUENCE_NUMBER = 46;

/** Every name of a code (protocol name and kafkajs aliases) → the code. */
const CODE_BY_NAME = new Map<string, number>(
  [...KAFKA_ERRORS].flatMap(([code, row]) => [row.name, ...(row.aliases ?? [])].map((name) => [name, code] as [string, number])),
);

/** Is Kafka error code `code` worth a retry after refreshing metadata? */
export function retriableCode(code: number): boolean {
  return KAFKA_ERRORS.get(code)?.retriable === true;
}

export function errorName(code: number): string {
  return KAFKA_ERRORS.get(code)?.name ?? `Kafka error code ${code}`;
}

/**
 * The protocol error code carried by a client error (kafkajs' KafkaJSProtocolError has `type` and
 * `code`; its wrappers keep the original in `cause` or `originalError`; KafkaJSAggregateError — e.g.
 * CreateTopics' per-topic errors — lists them in `errors`, and counts as retriable only if all are), or null.
 */
export function protocolCode(e: unknown): number | null {
  for (let x = e as { code?: unknown; type?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown } | undefined, depth = 0; x && depth < 5; depth++) {
    if (typeof x.type === 'string' && CODE_BY_NAME.has(x.type)) return CODE_BY_NAME.get(x.type)!;
    if (typeof x.code === 'number' && KAFKA_ERRORS.has(x.code)) return x.code;
    if (Array.isArray(x.errors) && x.errors.length > 0) {
      const codes = x.errors.map(protocolCode);
      const final = codes.findIndex((c) => c === null || !retriableCode(c));
      return codes[final === -1 ? 0 : final];
    }
    x = (x.cause ?? x.originalError) as typeof x;
  }
  return null;
}

/** Does this client error carry a retriable protocol code? */
export function isRetriableKafkaError(e: unknown): boolean {
  const code = protocolCode(e);
  return code !== null && retriableCode(code);
}
