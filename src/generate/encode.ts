/**
 * The file formats a day can be written in — `.csv`, `.csv.gz`, `.zip` — as stream stages to put between
 * the day's CSV bytes and their destination (stream.pipeline).
 *
 * Zip: a single Deflate member named like the SEC's (`logYYYYMMDD.csv`), written by hand here rather than
 * with an npm package. A streamed member needs only a local header, the raw Deflate stream (Node's zlib),
 * a data descriptor (crc and sizes known only at the end: general-purpose flag bit 3) and a central
 * directory — about 80 lines, no dependency, and full control over what makes the output reproducible
 * (the member's timestamp is the generated day, not the wall clock, so one seed gives one byte string).
 * yazl would do the same job but adds a dependency for it; archiver adds a dozen.
 *
 * ZIP64 (members of 4 GiB or more: days beyond ~27 M rows) must be decided before the first byte: a
 * streaming reader (log-input.ts reading from S3) learns from a ZIP64 extra field in the *local* header
 * that the data descriptor has 8-byte sizes (APPNOTE 4.3.9.2). The caller passes `zip64` from the day's
 * planned row count times a bound on the row length; if the member still outgrows 4 GiB without it, the
 * stream fails rather than write a corrupt archive. Checked with `unzip -t`, yauzl and the streaming
 * reader in the tests, ZIP64 included.
 *
 * Gzip: zlib's gzip stream (its header has mtime 0 and no name, so it is reproducible too).
 */
import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';

export type LogFormat = 'csv' | 'csv.gz' | 'zip';
export const LOG_FORMATS: readonly LogFormat[] = ['csv', 'csv.gz', 'zip'];

export const CONTENT_TYPES: Readonly<Record<LogFormat, string>> = {
  csv: 'text/csv',
  'csv.gz': 'application/gzip',
  zip: 'application/zip',
};

/** Deflate level for .csv.gz and .zip: zlib's default, as the SEC's own zips. */
export const DEFLATE_LEVEL = 6;

type Stage = NodeJS.ReadWriteStream | ((source: AsyncIterable<Buffer>) => AsyncGenerator<Buffer>);

export interface EncodeOptions {
  /** Name of the CSV inside a zip. */
  memberName: string;
  /** The day (YYYY-MM-DD): the zip member's timestamp (00:00:00 of it). */
  date: string;
  /** Zip archive comment (ASCII). */
  comment?: string;
  /** Write ZIP64 records (needed when the member may reach 4 GiB; allowed for any size). */
  zip64?: boolean;
}

/** The stages that turn CSV bytes into the format's bytes (none for csv). */
export function encoderStages(format: LogFormat, options: EncodeOptions): Stage[] {
  if (format === 'csv') return [];
  if (format === 'csv.gz') return [zlib.createGzip({ level: DEFLATE_LEVEL })];
  return zipStages(options);
}

/** A pass-through stage that counts bytes (and optionally reports them). */
export class ByteCounter extends Transform {
  bytes = 0;
  constructor(private readonly onBytes?: (total: number) => void) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    this.onBytes?.(this.bytes);
    cb(null, chunk);
  }
}

// ─── zip ──────────────────────────────────────────────────────────────────────────────────────────────

const LOCAL_SIG = 0x04034b50;
const DESCRIPTOR_SIG = 0x08074b50;
const CENTRAL_SIG = 0x02014b50;
const ZIP64_END_SIG = 0x06064b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const END_SIG = 0x06054b50;
const FLAG_DESCRIPTOR = 0x0008;
const METHOD_DEFLATE = 8;
const MAX32 = 0xffffffff;

function dosTime(date: string): { time: number; date: number } {
  const [y, m, d] = date.split('-').map(Number);
  return { time: 0, date: ((Math.max(1980, y) - 1980) << 9) | (m << 5) | d };
}

function zipStages(options: EncodeOptions): Stage[] {
  const name = Buffer.from(options.memberName, 'ascii');
  const comment = Buffer.from((options.comment ?? '').slice(0, 0xffff), 'ascii');
  const when = dosTime(options.date);
  const state = { crc: 0, size: 0 };
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      state.crc = zlib.crc32(chunk, state.crc);
      state.size += chunk.length;
      cb(null, chunk);
    },
  });
  const deflate = zlib.createDeflateRaw({ level: DEFLATE_LEVEL });

  const zip64 = options.zip64 === true;
  const framer = async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    const local = localHeader(name, when, zip64);
    yield local;

    let compressed = 0;
    for await (const chunk of source) {
      compressed += chunk.length;
      yield chunk;
    }
    // The meter has seen every byte before the deflate stream ended.
    const member: Member = { name, when, zip64, crc: state.crc, size: state.size, compressed };
    if (!zip64 && (member.size >= MAX32 || compressed >= MAX32)) {
      throw new Error(`zip member ${options.memberName} reached 4 GiB without ZIP64 (the row-length bound was wrong)`);
    }
    const desc = dataDescriptor(member);
    yield desc;

    const cdOffset = local.length + compressed + desc.length;
    const central = centralHeader(member);
    yield central;
    const cdSize = central.length;
    if (zip64) yield zip64End(cdSize, cdOffset);
    yield endRecord(cdSize, cdOffset, zip64, comment);
  };
  return [meter, deflate, framer];
}

/** The one member of a zip, as its headers describe it. */
interface Member {
  name: Buffer;
  when: { time: number; date: number };
  zip64: boolean;
  crc: number;
  size: number;
  compressed: number;
}

function localHeader(name: Buffer, { time, date }: { time: number; date: number }, zip64: boolean): Buffer {
  const localExtra = zip64 ? 20 : 0;
  const local = Buffer.alloc(30 + name.length + localExtra);
  local.writeUInt32LE(LOCAL_SIG, 0);
  local.writeUInt16LE(zip64 ? 45 : 20, 4); // version needed: 4.5 (ZIP64) or 2.0 (deflate)
  local.writeUInt16LE(FLAG_DESCRIPTOR, 6);
  local.writeUInt16LE(METHOD_DEFLATE, 8);
  local.writeUInt16LE(time, 10);
  local.writeUInt16LE(date, 12);
  // crc and sizes (14 … 25) stay 0: they follow in the data descriptor. With ZIP64 the sizes read
  // 0xFFFFFFFF, "see the ZIP64 extra field" (APPNOTE 4.4.8), whose presence says the descriptor's sizes
  // are 8 bytes: what a streaming reader checks.
  if (zip64) {
    local.writeUInt32LE(MAX32, 18);
    local.writeUInt32LE(MAX32, 22);
  }
  local.writeUInt16LE(name.length, 26);
  local.writeUInt16LE(localExtra, 28);
  name.copy(local, 30);
  if (zip64) {
    // ZIP64 extra field with both sizes 0: they follow, 8 bytes each, in the data descriptor.
    local.writeUInt16LE(0x0001, 30 + name.length);
    local.writeUInt16LE(16, 32 + name.length);
  }
  return local;
}

function dataDescriptor({ zip64, crc, size, compressed }: Member): Buffer {
  const desc = Buffer.alloc(zip64 ? 24 : 16);
  desc.writeUInt32LE(DESCRIPTOR_SIG, 0);
  desc.writeUInt32LE(crc >>> 0, 4);
  if (zip64) {
    desc.writeBigUInt64LE(BigInt(compressed), 8);
    desc.writeBigUInt64LE(BigInt(size), 16);
  } else {
    desc.writeUInt32LE(compressed, 8);
    desc.writeUInt32LE(size, 12);
  }
  return desc;
}

function centralHeader({ name, when, zip64, crc, size, compressed }: Member): Buffer {
  const extra = zip64 ? 20 : 0;
  const central = Buffer.alloc(46 + name.length + extra);
  central.writeUInt32LE(CENTRAL_SIG, 0);
  central.writeUInt16LE((3 << 8) | (zip64 ? 45 : 20), 4); // made by: Unix, spec version
  central.writeUInt16LE(zip64 ? 45 : 20, 6);
  central.writeUInt16LE(FLAG_DESCRIPTOR, 8);
  central.writeUInt16LE(METHOD_DEFLATE, 10);
  central.writeUInt16LE(when.time, 12);
  central.writeUInt16LE(when.date, 14);
  central.writeUInt32LE(crc >>> 0, 16);
  central.writeUInt32LE(zip64 ? MAX32 : compressed, 20);
  central.writeUInt32LE(zip64 ? MAX32 : size, 24);
  central.writeUInt16LE(name.length, 28);
  central.writeUInt16LE(extra, 30);
  central.writeUInt16LE(0, 32); // comment length
  central.writeUInt16LE(0, 34); // disk
  central.writeUInt16LE(0, 36); // internal attributes
  central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external: regular file, rw-r--r--
  central.writeUInt32LE(0, 42); // local header offset: the member is first
  name.copy(central, 46);
  if (zip64) {
    const x = 46 + name.length;
    central.writeUInt16LE(0x0001, x); // ZIP64 extended information
    central.writeUInt16LE(16, x + 2);
    central.writeBigUInt64LE(BigInt(size), x + 4);
    central.writeBigUInt64LE(BigInt(compressed), x + 12);
  }
  return central;
}

/** The ZIP64 end of central directory record and its locator. */
function zip64End(cdSize: number, cdOffset: number): Buffer {
  const end64 = Buffer.alloc(56 + 20);
  end64.writeUInt32LE(ZIP64_END_SIG, 0);
  end64.writeBigUInt64LE(44n, 4); // size of the rest of this record
  end64.writeUInt16LE((3 << 8) | 45, 12);
  end64.writeUInt16LE(45, 14);
  end64.writeUInt32LE(0, 16);
  end64.writeUInt32LE(0, 20);
  end64.writeBigUInt64LE(1n, 24);
  end64.writeBigUInt64LE(1n, 32);
  end64.writeBigUInt64LE(BigInt(cdSize), 40);
  end64.writeBigUInt64LE(BigInt(cdOffset), 48);
  end64.writeUInt32LE(ZIP64_LOCATOR_SIG, 56);
  end64.writeUInt32LE(0, 60);
  end64.writeBigUInt64LE(BigInt(cdOffset + cdSize), 64);
  end64.writeUInt32LE(1, 72);
  return end64;
}

function endRecord(cdSize: number, cdOffset: number, zip64: boolean, comment: Buffer): Buffer {
  const end = Buffer.alloc(22 + comment.length);
  end.writeUInt32LE(END_SIG, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(zip64 || cdOffset >= MAX32 ? MAX32 : cdOffset, 16);
  end.writeUInt16LE(comment.length, 20);
  comment.copy(end, 22);
  return end;
}
