-- Per-company history for `findoc alerts` / `findoc attention` (docs/alerts.md, docs/postgres.md).

-- Visits per CIK of one day under one filter: the counted visits of day_counts (same day, filter and
-- file), written by batch in the same transaction as the day's counts and replaced with them. A CIK
-- without visits that day has no row (the baselines zero-fill it).
CREATE TABLE IF NOT EXISTS day_cik_counts (
  day    date   NOT NULL,
  filter text   NOT NULL,
  cik    bigint NOT NULL,
  visits int    NOT NULL CHECK (visits > 0),
  PRIMARY KEY (day, filter, cik)
);

-- Distinct CIKs the day's per-CIK counts hold; NULL for a day loaded before this migration, which has no
-- per-CIK counts (findoc batch --force loads them).
ALTER TABLE day_counts ADD COLUMN IF NOT EXISTS ciks int;

-- A set's day curve and how its baselines were computed, recomputed with the set's bands (same
-- transaction) whenever the set's fingerprint changes. curve[s + 1] = mean visits in second s over the
-- member days (zero-filled); total = sum(curve) = the mean visits of a day. cik_days = member days that
-- have per-CIK counts: the baselines' divisor.
CREATE TABLE IF NOT EXISTS set_attention (
  set_name    text               PRIMARY KEY REFERENCES day_sets (name) ON DELETE CASCADE ON UPDATE CASCADE,
  filter      text               NOT NULL,
  days        int                NOT NULL,
  cik_days    int                NOT NULL,
  curve       double precision[] NOT NULL CHECK (array_lower(curve, 1) = 1 AND array_length(curve, 1) = 86400),
  total       double precision   NOT NULL,
  fingerprint text               NOT NULL,
  computed_at timestamptz        NOT NULL DEFAULT now()
);

-- The baseline m_c of every CIK seen on a member day: sum of its daily visits / cik_days (zero-filled
-- mean). A CIK absent here was never seen in the set: m_c = 0, "new".
CREATE TABLE IF NOT EXISTS set_cik_baselines (
  set_name    text             NOT NULL REFERENCES day_sets (name) ON DELETE CASCADE ON UPDATE CASCADE,
  cik         bigint           NOT NULL,
  mean_visits double precision NOT NULL,
  days_seen   int              NOT NULL,
  PRIMARY KEY (set_name, cik)
);
