/**
 * The one zip writer of the tests and the benchmarks (no `zip` binary needed on a fresh machine), built
 * byte by byte after APPNOTE 4.3 so that tests can make the layouts readers must handle:
 *
 *   makeZip(entries)          in memory: deflate or stored members, optionally with a data descriptor
 *                             (bit 3: sizes and CRC after the data, zeros in the local header)
 *   writeZipFile(path, …)     one member streamed to a file, sizes and CRC patched into the local header
 *                             at the end (bit 3 clear, as the SEC's zips): benchmark days of gigabytes
 *
 * No zip64: members and archives stay under 4 GiB (writeZipFile refuses more).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import zlib from 'node:zlib';

export interface ZipEntry {
  name: string;
  data: Buffer | string;
  /** deflate (8, the default) or store (0). */
  method?: 'deflate' | 'store' | 0 | 8;
  /** Bit 3: sizes and CRC in a data descriptor after the data (zeros in the local header). */
  descriptor?: boolean;
  /** Write the optional descriptor signature 0x08074b50 (default true). */
  descriptorSignature?: boolean;
}

interface Member {
  name: Buffer;
  method: 0 | 8;
  flags: number;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
}

const U32 = 2 ** 32;

function localHeader(m: Member, sizesInHeader: boolean): Buffer {
  const b = Buffer.alloc(30);
  b.writeUInt32LE(0x04034b50, 0);
  b.writeUInt16LE(20, 4); // version needed
  b.writeUInt16LE(m.flags, 6);
  b.writeUInt16LE(m.method, 8);
  b.writeUInt32LE(0, 10); // time, date
  b.writeUInt32LE(sizesInHeader ? m.crc : 0, 14);
  b.writeUInt32LE(sizesInHeader ? m.compressed : 0, 18);
  b.writeUInt32LE(sizesInHeader ? m.size : 0, 22);
  b.writeUInt16LE(m.name.length, 26);
  b.writeUInt16LE(0, 28); // extra length
  return b;
}

function centralHeader(m: Member): Buffer {
  const b = Buffer.alloc(46);
  b.writeUInt32LE(0x02014b50, 0);
  b.writeUInt16LE(20, 4); // made by
  b.writeUInt16LE(20, 6); // needed
  b.writeUInt16LE(m.flags, 8);
  b.writeUInt16LE(m.method, 10);
  b.writeUInt32LE(0, 12); // time, date
  b.writeUInt32LE(m.crc, 16);
  b.writeUInt32LE(m.compressed, 20);
  b.writeUInt32LE(m.size, 24);
  b.writeUInt16LE(m.name.length, 28);
  b.writeUInt32LE(m.offset, 42);
  return Buffer.concat([b, m.name]);
}

function endRecord(count: number, directoryBytes: number, directoryOffset: number): Buffer {
  const b = Buffer.alloc(22);
  b.writeUInt32LE(0x06054b50, 0);
  b.writeUInt16LE(count, 8);
  b.writeUInt16LE(count, 10);
  b.writeUInt32LE(directoryBytes, 12);
  b.writeUInt32LE(directoryOffset, 16);
  return b;
}

export function makeZip(entries: ZipEntry[]): Buffer {
  const parts: Buffer[] = [];
  const members: Member[] = [];
  let offset = 0;
  for (const entry of entries) {
    const data = Buffer.from(entry.data);
    const method = entry.method === 'store' || entry.method === 0 ? 0 : 8;
    const body = method === 8 ? zlib.deflateRawSync(data) : data;
    const m: Member = { name: Buffer.from(entry.name), method, flags: entry.descriptor ? 0x8 : 0, crc: zlib.crc32(data), compressed: body.length, size: data.length, offset };
    const chunk = [localHeader(m, !entry.descriptor), m.name, body];
    if (entry.descriptor) {
      const dd = Buffer.alloc(16);
      dd.writeUInt32LE(0x08074b50, 0);
      dd.writeUInt32LE(m.crc, 4);
      dd.writeUInt32LE(m.compressed, 8);
      dd.writeUInt32LE(m.size, 12);
      chunk.push(entry.descriptorSignature === false ? dd.subarray(4) : dd);
    }
    for (const c of chunk) offset += c.length;
    parts.push(...chunk);
    members.push(m);
  }
  const directory = Buffer.concat(members.map(centralHeader));
  return Buffer.concat([...parts, directory, endRecord(members.length, directory.length, offset)]);
}

/**
 * Streams one deflated member, `name`, holding the concatenation of `chunks`, into a new zip at `path`.
 * Returns the member's uncompressed and compressed sizes.
 */
export async function writeZipFile(
  path: string,
  name: string,
  chunks: Iterable<Buffer> | AsyncIterable<Buffer>,
  options: { level?: number } = {},
): Promise<{ size: number; compressed: number }> {
  const fd = openSync(path, 'w');
  try {
    let offset = 0;
    const write = (b: Buffer) => {
      writeSync(fd, b, 0, b.length, offset);
      offset += b.length;
    };
    const m: Member = { name: Buffer.from(name), method: 8, flags: 0, crc: 0, compressed: 0, size: 0, offset: 0 };
    write(localHeader(m, true)); // patched below, once the sizes are known
    write(m.name);
    const dataStart = offset;
    const deflate = zlib.createDeflateRaw({ level: options.level ?? 6 });
    const drained = (async () => {
      for await (const c of deflate) write(c as Buffer);
    })();
    const feed = (b: Buffer) => new Promise<void>((res, rej) => deflate.write(b, (e) => (e ? rej(e) : res())));
    for await (const c of chunks) {
      m.crc = zlib.crc32(c, m.crc);
      m.size += c.length;
      await feed(c);
    }
    deflate.end();
    await drained;
    m.compressed = offset - dataStart;
    if (m.size >= U32 || m.compressed >= U32) throw new Error(`${name}: ${m.size} bytes need zip64, which this writer does not write (keep members under 4 GiB)`);
    writeSync(fd, localHeader(m, true), 0, 30, 0);
    const directoryOffset = offset;
    const directory = centralHeader(m);
    write(directory);
    write(endRecord(1, directory.length, directoryOffset));
    return { size: m.size, compressed: m.compressed };
  } finally {
    closeSync(fd);
  }
}
