/**
 * The contract between \`findoc download\` (src/download/download.ts) and the stores it writes days to
 * (src/adapters/day-store.ts: an S3 prefix or a local folder). It lives in core because both sides need
 * it and an adapter never imports a stage.
 */
import type { Readable } from 'node:stream';

/**
 * The completeness record of a stored day. S3 keeps it as the object's metadata (findoc-csv-bytes,
 * findoc-stored-bytes, findoc-rows, findoc-sha256, findoc-source-url, …), a folder as a sidecar
 * `logYYYYMMDD.csv.gz.json`. A day counts as complete when its record is there and the stored object's
 * size equals `storedBytes`.
 */
export interface DayRecord {
  /** Stored name, e.g. log20170630.csv.gz. */
  name: string;
  date: string;
  sourceUrl: string;
  gzip: boolean;
  /** Bytes of the CSV (after unzipping, before gzip). */
  csvBytes: number;
  /** Bytes of the stored object or file. */
  storedBytes: number;
  /** Data lines after the header. */
  rows: number;
  /** SHA-256 (hex) of the CSV bytes: `gunzip -c logYYYYMMDD.csv.gz | sha256sum` gives it back. */
  sha256: string;
  /** ISO 8601 time the day was stored. */
  downloadedAt: string;
}

/** Where days go: src/adapters/day-store.ts implements it for S3 and for a local folder. */
export interface DayStore {
  /** s3://bucket/prefix/ or the folder's path, for messages. */
  readonly location: string;
  /** Creates the bucket or folder when absent; throws a FindocError naming the service when unusable. */
  prepare(): Promise<void>;
  /** Where a stored name lives: s3://bucket/prefix/name or /path/name. */
  target(name: string): string;
  /** The record of a day stored completely under `name`; undefined when absent, partial or not findoc's. */
  find(name: string): Promise<DayRecord | undefined>;
  /**
   * Stores `body` under `name`. After the body has ended without error, calls `record(storedBytes)` and
   * makes the day visible with that record — atomically: before, nothing under `name` looks complete;
   * after an error, nothing is left behind. Replaces an existing day of that name.
   */
  write(name: string, body: Readable, record: (storedBytes: number) => DayRecord): Promise<DayRecord>;
  /** Removes a stored day and its record; absent is fine. */
  remove(name: string): Promise<void>;
  /** Releases connections. */
  close?(): void;
}
