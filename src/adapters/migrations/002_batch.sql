-- findoc batch: per-day per-second counts, the work queue shared by batch processes, named day sets
-- and their percentile bands, and raw rows. docs/postgres.md describes every table, the claim/lease
-- protocol and why re-running is idempotent.

-- One row per (day, filter): the zero-filled visits per second of the day (DESIGN §2) and what the file
-- held besides. Replaced as a whole when the day is processed again (INSERT … ON CONFLICT DO UPDATE, in
-- the same transaction that marks the day's job done).
CREATE SEQUENCE IF NOT EXISTS day_counts_revision_seq;
CREATE TABLE IF NOT EXISTS day_counts (
  day          date        NOT NULL,
  filter       text        NOT NULL,
  -- counts[s + 1] = visits in second s of the day (PostgreSQL arrays start at 1).
  counts       int4[]      NOT NULL CHECK (array_ndims(counts) = 1 AND array_lower(counts, 1) = 1 AND array_length(counts, 1) = 86400),
  visits       bigint      NOT NULL CHECK (visits >= 0),        -- sum of counts
  filtered     bigint      NOT NULL DEFAULT 0,                  -- valid rows of the day dropped by the filter
  other_day    bigint      NOT NULL DEFAULT 0,                  -- valid rows dated another day (not counted)
  valid_rows   bigint      NOT NULL,                            -- rows that passed the grammar = visits + filtered + other_day
  rejected     bigint      NOT NULL,                            -- rows that failed it
  lines        bigint      NOT NULL,                            -- physical lines, header and blank lines included
  bytes        bigint      NOT NULL,                            -- decompressed bytes read
  rejects      jsonb       NOT NULL,                            -- {"total","byReason","samples"} (src/core/rejects.ts)
  other_days   jsonb       NOT NULL DEFAULT '{}',               -- {"byDate":{…},"samples":[{"line","date"}]}
  busy_seconds int         NOT NULL,                            -- seconds with at least one visit
  peak_second  int         NOT NULL,
  peak_visits  int         NOT NULL,
  source       text        NOT NULL,                            -- local path or s3://bucket/key read
  fingerprint  text        NOT NULL,                            -- the source's identity when read (name, size, mtime)
  worker       text        NOT NULL,                            -- host:pid of the process that loaded it
  seconds      real        NOT NULL,                            -- processing time
  revision     bigint      NOT NULL DEFAULT nextval('day_counts_revision_seq'),
  loaded_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (day, filter)
);

-- Runs: one per distinct batch invocation (its key hashes the filter, --force, --raw and the days with
-- their sources). Processes started with the same work join the open run instead of re-queueing it,
-- which is what makes --force and retries of failed days happen once, not once per process.
CREATE TABLE IF NOT EXISTS batch_runs (
  id          bigserial   PRIMARY KEY,
  key         text        NOT NULL,
  filter      text        NOT NULL,
  days        int         NOT NULL,
  force       boolean     NOT NULL,
  raw         boolean     NOT NULL,
  created_by  text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS batch_runs_open_key ON batch_runs (key) WHERE finished_at IS NULL;

-- The work queue: one job per (day, filter). A process claims a job by setting status 'running', a fresh
-- token and a lease (claim: SELECT … FOR UPDATE SKIP LOCKED); renews the lease while it works; and
-- completes it only if the token is still its own. A running job whose lease has expired is claimable
-- again: its worker is presumed dead.
CREATE TABLE IF NOT EXISTS batch_jobs (
  day          date        NOT NULL,
  filter       text        NOT NULL,
  status       text        NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed')),
  source       text        NOT NULL,
  fingerprint  text        NOT NULL,
  raw          boolean     NOT NULL DEFAULT false,              -- load raw rows too
  run_id       bigint      REFERENCES batch_runs (id) ON DELETE SET NULL,
  attempts     int         NOT NULL DEFAULT 0,                  -- claims so far (a takeover is a second attempt)
  worker       text,                                            -- holder (running) or last holder
  token        uuid,                                            -- fences a claim: changes at every claim
  lease_until  timestamptz,                                     -- running only: claimable by others after this
  heartbeat_at timestamptz,
  started_at   timestamptz,
  finished_at  timestamptz,
  error        jsonb,                                           -- failed only: {"code","message","hint"}
  enqueued_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (day, filter),
  CHECK (status <> 'running' OR (token IS NOT NULL AND lease_until IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS batch_jobs_open ON batch_jobs (filter, day) WHERE status IN ('pending', 'running');

-- Named day sets: a baseline such as "2017-H1, humans only". A set has one filter; its candidate days
-- are every day a batch run added to it; its members are the candidates whose counts are stored and not
-- excluded (exclude_days, min_visits). fingerprint hashes the members and their revisions at the last
-- computation: equal fingerprint, nothing to recompute.
CREATE TABLE IF NOT EXISTS day_sets (
  name         text           PRIMARY KEY,
  filter       text           NOT NULL,
  min_visits   bigint         NOT NULL DEFAULT 0 CHECK (min_visits >= 0),
  exclude_days datemultirange NOT NULL DEFAULT '{}',
  days         int            NOT NULL DEFAULT 0,               -- members at the last computation
  fingerprint  text,
  computed_at  timestamptz,
  created_at   timestamptz    NOT NULL DEFAULT now(),
  updated_at   timestamptz    NOT NULL DEFAULT now()
);

-- The candidate days of each set, and whether the last computation included each (reason when not:
-- excluded, below_min_visits, failed, not_loaded).
CREATE TABLE IF NOT EXISTS day_set_days (
  set_name text    NOT NULL REFERENCES day_sets (name) ON DELETE CASCADE ON UPDATE CASCADE,
  day      date    NOT NULL,
  included boolean NOT NULL DEFAULT false,
  reason   text,
  visits   bigint,                                              -- day_counts.visits used
  revision bigint,                                              -- day_counts.revision used
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (set_name, day)
);

-- The bands of a set: for each second of the day s, p25[s + 1] … p95[s + 1] = percentile_cont(p) over
-- the set's member days of day_counts.counts[s + 1] (zero-filled). One row per set, four arrays, replaced
-- whole with the set's membership. Arrays rather than a row per second: writing 86,400 rows took
-- 1.5–2 s on the development machine against 0.15–0.2 s for the four arrays, and the dashboard reads a
-- few minutes of seconds at a time by slicing (p95[a:b]). set_band_seconds gives the row-per-second view.
CREATE TABLE IF NOT EXISTS set_bands (
  set_name    text               PRIMARY KEY REFERENCES day_sets (name) ON DELETE CASCADE ON UPDATE CASCADE,
  p25         double precision[] NOT NULL CHECK (array_lower(p25, 1) = 1 AND array_length(p25, 1) = 86400),
  p50         double precision[] NOT NULL CHECK (array_lower(p50, 1) = 1 AND array_length(p50, 1) = 86400),
  p75         double precision[] NOT NULL CHECK (array_lower(p75, 1) = 1 AND array_length(p75, 1) = 86400),
  p95         double precision[] NOT NULL CHECK (array_lower(p95, 1) = 1 AND array_length(p95, 1) = 86400),
  computed_at timestamptz        NOT NULL DEFAULT now()
);

-- One row per (set, second of day), for SQL: SELECT * FROM set_band_seconds WHERE set_name = '2017-h1'.
CREATE OR REPLACE VIEW set_band_seconds AS
  SELECT b.set_name, (u.i - 1)::int AS second, u.p25, u.p50, u.p75, u.p95
    FROM set_bands b, unnest(b.p25, b.p50, b.p75, b.p95) WITH ORDINALITY AS u(p25, p50, p75, p95, i);

-- Raw rows (batch --raw): one partition per day, raw_visits_YYYYMMDD, loaded into a staging table with
-- COPY and swapped in (DROP old partition, ATTACH new) in the transaction that completes the day.
-- Columns: src/core/raw-rows.ts.
CREATE TABLE IF NOT EXISTS raw_visits (
  day       date     NOT NULL,
  second    int      NOT NULL,
  ip        text     NOT NULL,
  cik       bigint   NOT NULL,
  accession text     NOT NULL,
  extention text     NOT NULL,
  code      smallint NOT NULL,
  size      bigint,
  idx       smallint NOT NULL,
  norefer   smallint NOT NULL,
  noagent   smallint NOT NULL,
  find      smallint NOT NULL,
  crawler   smallint NOT NULL,
  browser   text     NOT NULL,
  zone      smallint NOT NULL,
  line      int      NOT NULL
) PARTITION BY LIST (day);
-- "Who read CIK X on day D (and when)": partition pruning on day, then this index.
CREATE INDEX IF NOT EXISTS raw_visits_cik_second ON raw_visits (cik, second);

-- Which source each day's raw partition came from.
CREATE TABLE IF NOT EXISTS raw_days (
  day         date        PRIMARY KEY,
  source      text        NOT NULL,
  fingerprint text        NOT NULL,
  rows        bigint      NOT NULL,
  loaded_at   timestamptz NOT NULL DEFAULT now()
);
