/**
 * Sessions of one Kafka partition, live (findoc stream --sessions; issue 15). Pure: the stream keeps one
 * per partition it holds, loaded from Redis with the partition's offset, and writes what each batch
 * changed in the same atomic write as the counts (src/stream/features/sessions.ts, stream-state-apply.lua).
 *
 * The definition is the file sessionizer's (core/sessions.ts): a session is one ip's run of requests with
 * no gap over `inactivity` seconds. The Kafka key is the ip, so every request of an ip is in one
 * partition, in order, and the partition's own clock (its latest event second) can end its sessions: a
 * session is split exactly where its ip's own gap exceeds the inactivity, whichever clock notices it, so
 * the sessions (ip, first, last, count) are the ones `findoc sessions` finds in the same rows. Only the
 * moment a session is reported depends on the clock.
 *
 * State, as stored (one hash per partition): field = the ip's numeric key (core/robots.ts ipKey), value
 * "first,last,count" (Unix seconds); field "@clock" = the partition's latest event second. Ended sessions
 * leave the state; a batch reports them with the index of the record whose time ended them (`cause`), so
 * that a batch trimmed to a tail (another process applied its head) reports only the tail's.
 */

export interface OpenSession {
  first: number;
  last: number;
  count: number;
  key: number;
  prev: OpenSession | null;
  next: OpenSession | null;
}

export interface EndedSession {
  /** The ip's numeric key (core/robots.ts ipOfKey gives the address). */
  key: number;
  first: number;
  last: number;
  count: number;
  /** Index, in the batch's records, of the record whose event time ended the session. */
  cause: number;
}

/** A state change to write: the ip's open session ("first,last,count"), or null when it has none. */
export interface SessionChange {
  field: string;
  value: string | null;
}

export const CLOCK_FIELD = '@clock';

export class PartitionSessions {
  private readonly open = new Map<number, OpenSession>();
  private head: OpenSession | null = null;
  private tail: OpenSession | null = null;
  private dirty = new Set<number>();
  private ended: EndedSession[] = [];
  private clockChanged = false;
  /** The partition's latest event second (−Infinity before any). */
  clock = -Infinity;

  constructor(readonly inactivity: number) {}

  get openCount(): number {
    return this.open.size;
  }

  /** Loads a stored state (the hash's field/value pairs). */
  load(flat: readonly string[]): void {
    const loaded: OpenSession[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      if (flat[i] === CLOCK_FIELD) {
        this.clock = Number(flat[i + 1]);
        continue;
      }
      const [first, last, count] = flat[i + 1].split(',').map(Number);
      loaded.push({ key: Number(flat[i]), first, last, count, prev: null, next: null });
    }
    // The expiry order: by last request (ties by first, then key: any order ends them at one moment).
    loaded.sort((a, b) => a.last - b.last || a.first - b.first || a.key - b.key);
    for (const s of loaded) {
      this.open.set(s.key, s);
      this.append(s);
    }
  }

  /** One request of ip `key` at `second`; `record` is its index in the batch (the cause of what it ends). */
  visit(key: number, second: number, record: number): void {
    if (second > this.clock) {
      this.clock = second;
      this.clockChanged = true;
      while (this.head !== null && this.head.last + this.inactivity < second) {
        const s = this.head;
        this.unlink(s);
        this.open.delete(s.key);
        this.dirty.add(s.key);
        this.ended.push({ key: s.key, first: s.first, last: s.last, count: s.count, cause: record });
      }
    }
    let s = this.open.get(key);
    if (s === undefined) {
      s = { key, first: second, last: second, count: 1, prev: null, next: null };
      this.open.set(key, s);
    } else {
      s.count++;
      if (second > s.last) s.last = second;
      this.unlink(s);
    }
    this.append(s);
    this.dirty.add(key);
  }

  /** What changed since the last drain: the state's changes and the sessions that ended. */
  drain(): { changes: SessionChange[]; ended: EndedSession[] } {
    const changes: SessionChange[] = [];
    for (const key of this.dirty) {
      const s = this.open.get(key);
      changes.push({ field: String(key), value: s ? `${s.first},${s.last},${s.count}` : null });
    }
    if (this.clockChanged) changes.push({ field: CLOCK_FIELD, value: String(this.clock) });
    const ended = this.ended;
    this.dirty = new Set();
    this.ended = [];
    this.clockChanged = false;
    return { changes, ended };
  }

  /** The open sessions, by last request. */
  *sessions(): Generator<OpenSession> {
    for (let s = this.head; s !== null; s = s.next) yield s;
  }

  private unlink(s: OpenSession): void {
    if (s.prev === null) this.head = s.next;
    else s.prev.next = s.next;
    if (s.next === null) this.tail = s.prev;
    else s.next.prev = s.prev;
    s.prev = s.next = null;
  }

  private append(s: OpenSession): void {
    s.prev = this.tail;
    s.next = null;
    if (this.tail === null) this.head = s;
    else this.tail.next = s;
    this.tail = s;
  }
}
