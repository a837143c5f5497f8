/**
 * The fitted parameters of the synthetic EDGAR log generator, and how each was measured.
 *
 * SYNTHETIC DATA. Nothing here is SEC data: these are summary statistics (shares, quantiles, curve
 * shapes) measured on real rows, used to shape rows the generator makes up. The real rows themselves
 * are test data in ../shared/data/edgar-samples/real/ and never ship with findoc.
 *
 * Sources (all real SEC/DERA rows, see ../shared/data/edgar-samples/SOURCES.md):
 *   JAN1  log20170101-every100th-row.zip — a 1% systematic sample (rows 0, 100, 200, …) of the whole of
 *         2017-01-01: 174,856 rows, 6 of them with a garbage cik (1.21e+24 …), left out below. The only
 *         whole-day source for 2017, so it gives the daily curve and every share and quantile. Its member
 *         has CRLF line ends; read with `unzip -p … | tr -d '\r'`.
 *   J630  log20170630-first24999rows.csv — the first 24,999 rows of 2017-06-30, 00:00:00–00:01:11, about
 *         350 rows/s. Every row of a busy minute, so it gives what a 1% sample cannot: how rows cluster
 *         within a second (per-second dispersion, same-IP bursts). Seconds 00:00:00–01 (cut by log
 *         rotation, 219 and 208 rows) and the truncated last second 00:01:11 are left out: 00:00:02–00:01:10,
 *         69 seconds, 24,385 rows.
 *   D2003 log20030301.csv — the complete day 2003-03-01: 43,458 rows. The only whole day at low volume,
 *         so it gives the zero-second rate of a small day and the pre-2007 columns (zone 500.0, browser,
 *         norefer/find).
 *
 * Each block says what was measured, on which source, and how; test/core/synthetic.test.ts recomputes
 * the scalar figures from the real files (when ../shared is present) with the same code the generated
 * days are measured with (measure.ts), and checks generated days against them within stated tolerances.
 * docs/synthetic.md has the table.
 *
 * Where the sources cannot say (day-to-day variation: only one whole 2017 day exists), the value is an
 * ASSUMPTION and is marked so.
 */

/** Seconds in a day. */
export const DAY_SECONDS = 86_400;

// ─── Daily curve ──────────────────────────────────────────────────────────────────────────────────────

/**
 * Traffic level per 10-minute bin of the day (UTC), mean 1 — 144 values, the shape of the day.
 * Measured on JAN1: rows per 10-minute bin (≈1,210 sample rows a bin, so ±3% sampling noise), then a
 * running median over 7 bins (±30 min) to remove noise and the two crawler episodes (bins 33–34 and
 * 57–59, left out of the median: see EPISODES), then divided by the mean. The generator interpolates
 * linearly between bin centres, so the curve has no steps at bin edges.
 * 2017-01-01 was a Sunday and a holiday: mostly automated traffic, busier 00:00–10:00 UTC than later.
 */
export const CURVE_10MIN: readonly number[] = [
  1.167, 1.167, 1.155, 1.167, 1.143, 1.143, 1.167, 1.143, 1.142, 1.143, 1.143, 1.142, 1.15, 1.15, 1.2, 1.215,
  1.306, 1.306, 1.306, 1.306, 1.262, 1.255, 1.214, 1.208, 1.208, 1.208, 1.196, 1.21, 1.196, 1.196, 1.162, 1.114,
  1.103, 1.103, 1.081, 1.081, 1.103, 1.092, 1.087, 1.087, 1.087, 1.094, 1.107, 1.107, 1.142, 1.208, 1.191, 1.191,
  1.191, 1.191, 1.19, 1.186, 1.186, 1.186, 1.188, 1.186, 1.214, 1.214, 1.142, 0.973, 0.903, 0.901, 0.892, 0.901,
  0.901, 0.901, 0.879, 0.866, 0.865, 0.866, 0.866, 0.865, 0.866, 0.884, 0.884, 0.892, 0.884, 0.854, 0.86, 0.86,
  0.83, 0.86, 0.86, 0.86, 0.886, 0.938, 0.956, 0.957, 0.956, 0.938, 0.957, 0.957, 0.918, 0.918, 0.889, 0.884,
  0.854, 0.803, 0.803, 0.803, 0.785, 0.803, 0.803, 0.879, 0.89, 0.973, 0.973, 0.973, 0.973, 0.957, 0.927, 0.927,
  0.877, 0.824, 0.824, 0.824, 0.866, 0.897, 0.866, 0.866, 0.882, 0.882, 0.866, 0.882, 0.882, 0.882, 0.882, 0.851,
  0.849, 0.851, 0.849, 0.849, 0.851, 0.855, 0.855, 0.863, 0.855, 0.855, 0.855, 0.855, 0.88, 0.883, 0.88, 0.883,
];

/**
 * Share of the day's rows in each UTC hour, as measured on JAN1 (raw: rows per hour / all rows). Hours 05
 * and 09 hold the two crawler episodes. Kept for the tests and the docs; the generator uses CURVE_10MIN.
 */
export const HOUR_SHARES_MEASURED: readonly number[] = [
  0.0475, 0.0471, 0.0489, 0.0506, 0.0477, 0.0559, 0.0444, 0.047, 0.0474, 0.0631, 0.0365, 0.0368, 0.0352, 0.0343,
  0.0381, 0.0372, 0.0325, 0.0371, 0.0363, 0.0355, 0.0347, 0.0353, 0.0349, 0.0359,
];

/** Hour shares of CURVE_10MIN alone (JAN1 without its two episodes): what a day without episodes averages. */
export const HOUR_SHARES_BASELINE: readonly number[] = [
  0.0482, 0.0478, 0.0509, 0.0524, 0.0501, 0.0461, 0.0455, 0.0482, 0.0495, 0.048, 0.0375, 0.0362, 0.0366, 0.0356,
  0.0391, 0.0384, 0.0337, 0.0381, 0.0381, 0.0357, 0.0366, 0.0356, 0.0357, 0.0364,
];

/**
 * The top-of-the-hour rush: relative excess of traffic in each minute of the hour (0 … 59), mean 0.
 * Measured on JAN1: per-minute rows divided by the smoothed curve, averaged over the 24 hours by minute of
 * the hour (episode minutes left out), then shrunk by 0.874 = (profile variance − noise variance) /
 * profile variance, the noise variance being that of a mean of 23 noisy minutes. Minutes :00–:03 carry
 * +19…+28% (scheduled crawlers), :15, :30–:33 and :45 smaller bumps. It explains 57% of the per-minute
 * variance of the day. The generator interpolates it between minute centres.
 */
export const MINUTE_OF_HOUR_PROFILE: readonly number[] = [
  0.24, 0.188, 0.279, 0.209, 0.04, 0.034, 0.02, -0.048, -0.049, -0.075, -0.012, -0.047, -0.059, -0.054, -0.039, 0.078,
  -0.033, -0.035, -0.0, -0.008, 0.031, -0.035, -0.079, -0.1, -0.05, -0.025, -0.005, 0.017, -0.069, -0.067, 0.072,
  0.095, 0.075, 0.081, 0.007, -0.008, -0.051, -0.051, -0.065, -0.065, 0.004, -0.008, -0.026, -0.042, -0.015, 0.073,
  0.049, 0.011, -0.028, -0.069, -0.04, -0.023, -0.063, -0.026, -0.008, 0.038, 0.016, -0.027, -0.087, -0.068,
];

/**
 * Short-term noise of the level, in log space: independent normal knots every KNOT_SECONDS, linearly
 * interpolated. Measured on JAN1: per-minute counts relative to curve × profile have a true (sampling
 * noise removed) relative variance of 0.0058 (sd 7.6%) with lag-1-minute autocorrelation ≈ 0.8–1.0 and
 * lag-2 ≈ 0.26–0.30; knots 120 s apart with sd 0.096 give a minute-average sd of 7.6% and that decay.
 */
export const KNOT_SECONDS = 120;
export const KNOT_NOISE_SD = 0.096;

/**
 * Crawler episodes: one IP adding a large block of traffic for tens of minutes. JAN1 has two
 * (05:30–05:50 +88%/+69% over the curve, 09:30–10:00 +61%/+65%/+87%, the latter one IP, 103.238.106.gif,
 * 94% of its rows in hour 09); together 2.7% of the day. Each generated day draws Poisson(EPISODES_PER_DAY)
 * episodes, start uniform over the day, duration uniform in [min, max] minutes, intensity (extra traffic
 * relative to the curve at that time) uniform in [min, max].
 */
export const EPISODES_PER_DAY = 2;
export const EPISODE_MINUTES: readonly [number, number] = [15, 45];
export const EPISODE_INTENSITY: readonly [number, number] = [0.55, 0.9];

/**
 * Day-to-day variation (ASSUMPTION: only one whole 2017 day exists, so these are chosen, not measured).
 * The day's total is rowsPerDay × (1 + dayVariation × z), z ~ N(0,1) clipped to ±2 (default dayVariation
 * 0.10, the command's --day-variation); each hour gets a log-normal factor with this sd, interpolated
 * between hour centres, so the shape of the curve differs between days too.
 */
export const DEFAULT_DAY_VARIATION = 0.1;
export const HOUR_NOISE_SD = 0.05;

// ─── Visits per second ────────────────────────────────────────────────────────────────────────────────

/**
 * Rows per second are drawn as a compound Poisson around the curve: Poisson(λ·G / mean burst) "arrivals",
 * each of COUNT_BURST rows, with G ~ Gamma(SECOND_GAMMA_SHAPE) / shape a per-second level factor.
 *
 * COUNT_BURST: rows per (second, ip) pair on D2003 (sizes 1 … 27; mean 1.203; 33,613 of 36,123 pairs have
 * one row). At low volume this sets how many seconds stay empty: D2003 (43,458 rows) has 66.75% of its
 * 86,400 seconds empty, and a generated day of the same size must too (tested ±5 points).
 *
 * SECOND_GAMMA_SHAPE: at high volume the per-second counts of J630 have variance / mean = 3.68 (mean
 * 353.4 rows/s). The bursts alone give E[B²]/E[B] = 2.0, so G supplies the rest:
 * 1/shape ≈ (3.68 − 2.0 − knots) / 353; tuned so that generated busy minutes show var/mean 3.68 ± 1.
 */
export const COUNT_BURST: readonly number[] = [
  33613, 985, 522, 321, 170, 106, 81, 133, 109, 55, 9, 9, 4, 1, 0, 0, 1, 1, 0, 0, 2, 0, 0, 0, 0, 0, 1,
];
export const SECOND_GAMMA_SHAPE = 260;

/** Measured per-second dispersion of J630 (see above) and D2003's empty-second share. */
export const MEASURED_SECOND_VAR_OVER_MEAN = 3.68;
export const MEASURED_SECOND_MEAN_J630 = 353.4;
export const MEASURED_ZERO_SECOND_SHARE_D2003 = 0.6675;
export const D2003_ROWS = 43_458;

// ─── Who visits: IP addresses ─────────────────────────────────────────────────────────────────────────

/**
 * Share of the day's rows by IP popularity rank. Measured on JAN1: rows per IP, sorted; mean share in
 * log-spaced rank windows [1], [2], [3], [4,5], [6,9], [10,15], … placed at the windows' geometric centres.
 * The generator interpolates in log-log between these anchors, extends with the last slope (2.66) to
 * IP_RANKED, and scales the ranked IPs to 1 − HUMAN_SHARE. A few IPs take most of the traffic: the top
 * one 7.2% of all rows, the top 10 30.9%, the top 100 85.3%.
 */
export const IP_RANK_ANCHORS: readonly (readonly [number, number])[] = [
  [1, 0.071842],
  [2, 0.0373107],
  [3, 0.031809],
  [4.47, 0.0291697],
  [7.35, 0.0224299],
  [12.25, 0.0174277],
  [19.6, 0.0122075],
  [31.22, 0.0079399],
  [49.8, 0.0054701],
  [78.97, 0.0027685],
  [126.1, 0.0011264],
  [199.6, 0.0003954],
  [315.83, 0.0001393],
  [501.6, 0.0000481],
  [793.33, 0.0000142],
];
export const IP_RANKED = 2000;
/** Measured top-k IP shares on JAN1 (tests). */
export const MEASURED_TOP_IP_SHARE = { top1: 0.0718, top10: 0.3092, top100: 0.8525 } as const;

/**
 * Occasional visitors ("humans"): rows from IPs too small to show in a 1% sample. Measured on JAN1: the
 * rows of IPs seen exactly once in the sample (1,455 rows, 0.83%) — the sample's resolution limit, so an
 * upper bound for IPs making < ~100 requests a day. Their number scales with the day's size so that each
 * makes HUMAN_MEAN_ROWS requests on average (ASSUMPTION), whatever --rows-per-day is; the same light IPs
 * return on other days of the same seed (repeat visitors).
 */
export const HUMAN_SHARE = 0.0083;
export const HUMAN_MEAN_ROWS = 3;

/**
 * How long ranked IPs are active in a day. Measured on JAN1's top 25 IPs: 17 have ≥ 2% of their rows in
 * at least 20 of the 24 hours (all-day crawlers); the other 8 are active 1–17 hours in one stretch.
 * Each day, each ranked IP is all-day with probability IP_ALL_DAY, else active for a uniform
 * 1 … IP_MAX_ACTIVE_HOURS hours from a uniform start.
 */
export const IP_ALL_DAY = 0.68;
export const IP_MAX_ACTIVE_HOURS = 18;
/** Log-normal sd of the per-day popularity score of the ranked IP pool (ASSUMPTION): who is busiest changes between days. */
export const IP_DAY_SCORE_SD = 1.5;

/**
 * Bursts: rows of one client within one second. Measured on J630 (69 full seconds): 3.97 rows per
 * (second, ip) pair on average (6,138 pairs; IPs with ≥ 100 rows in the window, 80.6% of the rows, average
 * 5.9 rows a pair, the others 1.67). The generator does not draw burst sizes: each row picks its client by
 * the IP shares above and rows of the same client in a second form its burst, so a day of any size keeps
 * the measured IP concentration (a small day is then like a random sample of a big one) and, at J630's
 * volume, bursts come out at about this size (tested ± 1.2).
 */
export const MEASURED_ROWS_PER_PAIR_J630 = 3.97;

/**
 * Within a burst, a row asks for the same CIK as the row before it with probability SAME_CIK, and then
 * for the same accession with probability SAME_ACCESSION_GIVEN_CIK. Measured on J630: of consecutive
 * rows of one (second, ip) pair, 37.3% have the same cik and 26.3% the same accession (26.3/37.3 = 0.705).
 */
export const SAME_CIK = 0.373;
export const SAME_ACCESSION_GIVEN_CIK = 0.705;

// ─── Who visits before 2007: readers and robots (D2003) ──────────────────────────────────────────────

/**
 * Days before 2007 have their own clients, calibrated on D2003 (every row of 2003-03-01), because the
 * 2017 IP curve above describes a robot-dominated era: on D2003 the top 100 IPs make 44.2% of the rows
 * (JAN1: 85.3%), 5,059 IPs make 8.6 rows each on average, and the IPs that make more than 5 requests in a
 * minute or more than 1,000 in the day (the drt robots) make 36.9% of the rows.
 *
 * Robots: kinds of IP measured on D2003's 9 IPs with more than 300 rows (26.9% of the rows) and its slow
 * all-day crawlers. Per kind: how many a day of D2003's size has (scaled with the day's size: a bigger day
 * has more robots of the same kind, not bigger ones), their rows (log-uniform, stratified), the window they
 * are active in (log-uniform minutes, uniform start), the share of the window's minutes they are active in,
 * and the probability that a row asks for a CIK the IP has not asked for yet today (else it repeats one).
 * Rows are spread evenly over the active minutes and at random over the seconds of a minute: high, steady
 * rates. Measured examples: a scraper 2,020 rows in 5 minutes over 1,622 CIKs, another 909 rows in 32
 * minutes over 724 CIKs (scraper); 4,017 rows in 96 active minutes over 91 CIKs, 1,002 rows in 4 hours over
 * 16 CIKs (bulk); 1,555 rows over the whole day in 151 active minutes over 1,225 CIKs, 219 rows in 194
 * minutes over 177 CIKs (steady).
 */
export interface EarlyRobotKind {
  readonly kind: 'scraper' | 'bulk' | 'steady';
  /** Robots of this kind in a day of D2003_ROWS rows. */
  readonly perDay: number;
  readonly rows: readonly [number, number];
  readonly minutes: readonly [number, number];
  readonly active: readonly [number, number];
  readonly newCik: number;
}
export const EARLY_ROBOTS: readonly EarlyRobotKind[] = [
  { kind: 'scraper', perDay: 4, rows: [300, 2500], minutes: [5, 40], active: [0.6, 1], newCik: 0.85 },
  { kind: 'bulk', perDay: 3, rows: [400, 4000], minutes: [60, 240], active: [0.1, 0.8], newCik: 0.05 },
  { kind: 'steady', perDay: 3, rows: [150, 1600], minutes: [1440, 1440], active: [0.1, 0.3], newCik: 0.8 },
];
/** Robots never take more than this share of a day's rows (a very small day cannot hold a whole robot). */
export const EARLY_ROBOT_MAX_SHARE = 0.6;

/**
 * Readers: every other IP. Rows per IP as measured on D2003's IPs with at most 300 rows: the number of
 * IPs with 1 … 10 rows, then with 11–30, 31–100 and 101–300 rows (drawn log-uniform within a bin).
 */
export const EARLY_READER_ROWS: readonly (readonly [number, number, number])[] = [
  [1, 1, 1369], [2, 2, 1056], [3, 3, 500], [4, 4, 472], [5, 5, 298], [6, 6, 244], [7, 7, 147], [8, 8, 125],
  [9, 9, 105], [10, 10, 96], [11, 30, 482], [31, 100, 131], [101, 300, 25],
];
/**
 * A reader's day is 1 + Poisson(EARLY_SESSIONS_PER_LOG_ROW · ln rows) sessions (D2003: 1.1 sessions with
 * a 30-minute gap for 2–3 rows, 2.5 for 11–30, 3.1 for 31–300), each at its own pace of 1 + Geometric rows a
 * minute with mean EARLY_PACE_BASE + EARLY_PACE_PER_LOG_ROW · ln rows (D2003: 1.33 rows per active minute
 * at 2–3 rows, 1.79 at 11–30, 2.6 at 101–300; 17% of the 11–30 readers and 44% of the 31–100 ones make more
 * than 5 requests in some minute). A row asks for a new CIK with probability EARLY_READER_NEW_CIK, else
 * repeats one of the reader's (D2003: 4.2 CIKs for 16.9 rows, 9.1 for 47, 37.6 for 149).
 */
export const EARLY_SESSIONS_PER_LOG_ROW = 0.45;
export const EARLY_PACE_BASE = 0.1;
export const EARLY_PACE_PER_LOG_ROW = 0.3;
export const EARLY_READER_NEW_CIK = 0.2;
/**
 * A row that does not ask for a new CIK asks for the IP's previous CIK with this probability, else for
 * another of its CIKs of the day. D2003: of the rows after an IP's first, readers' (≤ 300 rows) are 20.4%
 * new, 76.9% the previous CIK, 2.8% another (76.9 / 79.6 = 0.966); the IPs with more than 300 rows' are
 * 41.6% new, 55.2% the previous, 3.2% another (0.945).
 */
export const EARLY_SAME_CIK = 0.96;
/** Robot shares of D2003 by preset (causal mode; test/core/synthetic.test.ts recomputes them). */
export const MEASURED_ROBOT_SHARE_D2003 = { drt: 0.369, lm: 0.2208, ryans: 0.2965 } as const;
/**
 * Day-level robot shares of JAN1 with counts × 100 (a 1% sample: an IP with more than 10 sample rows is on
 * pace for more than 1,000 requests): drt's day-requests=1000 95.36%, ryans' day-requests=500 96.81%. The
 * 2017 ranked IPs above are these robots (steady all-day crawlers, IP_ALL_DAY) and the crawler episodes
 * their bursty scrapers. lm's day-ciks cannot be scaled from a sample (a 1% sample does not hold 1% of an
 * IP's distinct CIKs), so it is not compared.
 */
export const MEASURED_DAY_ROBOT_SHARE_JAN1 = { drt: 0.9536, ryans: 0.9681 } as const;

// ─── What is visited: CIKs and documents ──────────────────────────────────────────────────────────────

/**
 * Share of the day's rows by CIK popularity rank. Measured on JAN1 like IP_RANK_ANCHORS (mean share in
 * log-spaced rank windows up to rank ~2,000, where a CIK still has ~15 sample rows). Beyond the anchors the
 * share falls as rank^−CIK_TAIL_EXPONENT up to CIK_UNIVERSE CIKs, then everything is normalised. The
 * exponent and universe size were fitted so that 174,856 draws (the sample's size) give as many distinct
 * CIKs as the sample: expected 43,518 (+5.7%) and 26,133 singletons vs 41,174 and ~25,080 measured, with
 * top-10 share 7.4% vs 7.2%.
 */
export const CIK_RANK_ANCHORS: readonly (readonly [number, number])[] = [
  [1, 0.018844],
  [2, 0.0099167],
  [3, 0.0093048],
  [4.47, 0.0069829],
  [7.35, 0.004039],
  [12.25, 0.0030997],
  [19.6, 0.0020131],
  [31.22, 0.0013466],
  [49.8, 0.0010292],
  [78.97, 0.00077747],
  [126.1, 0.00055255],
  [199.6, 0.00038012],
  [315.8, 0.00026559],
  [501.6, 0.00019835],
  [793.3, 0.00015194],
  [1264.5, 0.00011361],
  [1999.6, 0.00008352],
];
export const CIK_TAIL_EXPONENT = 1.2;
export const CIK_UNIVERSE = 150_000;
/** Measured on JAN1 (tests): top-k CIK shares and distinct CIKs among its 174,850 valid rows. */
export const MEASURED_TOP_CIK_SHARE = { top1: 0.0188, top10: 0.0718, top100: 0.1782, top1000: 0.3867 } as const;
export const MEASURED_DISTINCT_CIKS = 41_174;
export const JAN1_ROWS = 174_850;

/**
 * Each day the head of the CIK ranking is reshuffled (ASSUMPTION, not measurable from one day): the base
 * top CIK_DAY_HEAD CIKs get a normal score noise of sd CIK_DAY_SCORE_SD (in log-share units) and
 * CIK_DAY_NEWCOMERS random tail CIKs join them (a filer in the news), then all take the day's ranks by
 * score. The rank → share curve stays the measured one; who holds each rank changes.
 */
export const CIK_DAY_HEAD = 5000;
export const CIK_DAY_NEWCOMERS = 400;
export const CIK_DAY_SCORE_SD = 1.0;

/**
 * How a CIK's visits spread over its filings. Measured on JAN1 by CIK rank band: the share of a CIK's
 * rows on its most visited accession averages 0.715 for ranks 1–10 (median 0.993: most top filers are
 * top because one filing is hammered), 0.455 for 11–100, 0.373 for 101–1,000, 0.253 beyond. A CIK is
 * "focused" on the day with the probability of its band; a focused CIK's visits go to its newest filing
 * with probability FOCUS_SHARE, the rest (and all visits of unfocused CIKs) spread over its filings as
 * floor(F·u³), F uniform in 2 … FILINGS_MAX per CIK.
 */
export const FOCUS_BANDS: readonly (readonly [number, number])[] = [
  [10, 0.68],
  [100, 0.3],
  [1000, 0.18],
  [Infinity, 0.06],
];
export const FOCUS_SHARE = 0.97;
export const FILINGS_MAX = 400;

/**
 * Accession numbers: `AAAAAAAAAA-YY-NNNNNN`, filer-agent CIK, 2-digit year, sequence. Measured on JAN1:
 * 24.5% of rows have the requested CIK as the agent (self-filed); the rest spread over 5,896 agents, the
 * top one 12.9% of them (AGENT_SHARES, the ranks 1–10, then a tail). Years on J630 (a mid-year day), as
 * years before the day's year: 59% the current year, then a long tail back to 1993 (YEAR_LAG). The
 * current year's weight is scaled by the fraction of the year gone (JAN1 has only 2 rows of 2017).
 * Sequence numbers: quantiles of JAN1's (SEQUENCE_QUANTILES at QUANTILE_PROBS).
 */
export const SELF_FILED = 0.2452;
export const AGENT_SHARES: readonly number[] = [0.12883, 0.06235, 0.05894, 0.04987, 0.04654, 0.02202, 0.01877, 0.01821, 0.01763, 0.01733];
export const AGENTS = 600;
export const YEAR_LAG: readonly number[] = [
  0.5896, 0.0476, 0.0296, 0.0486, 0.0199, 0.0304, 0.0124, 0.0076, 0.0073, 0.0074, 0.0295, 0.0572, 0.019, 0.0186, 0.0092,
  0.0135, 0.0114, 0.0076, 0.0046, 0.0033, 0.0246, 0.0006, 0.0004, 0.0001,
];
export const YEAR_LAG_MEASURED_DAY_OF_YEAR = 181;

/** Probabilities at which the quantile tables below are given. Sizes interpolate log-linearly between them. */
export const QUANTILE_PROBS: readonly number[] = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1];
export const SEQUENCE_QUANTILES: readonly number[] = [0, 1, 4, 14, 168, 3384, 36468, 157086, 306490, 807347, 808289];

// ─── How it is answered: status, document class, size, flags ──────────────────────────────────────────

/**
 * HTTP status mix. Measured on JAN1 (share of rows). 301 is the https redirect of its day; 403 and 429
 * are rate limiting (mostly primary_doc.xml and .hdr.sgml); 0 is an aborted transfer.
 */
export const STATUS_MIX: readonly (readonly [number, number])[] = [
  [200, 0.64654],
  [301, 0.31107],
  [403, 0.01448],
  [429, 0.01428],
  [404, 0.00555],
  [304, 0.00482],
  [0, 0.00276],
  [503, 0.00034],
  [206, 0.00015],
  [500, 0.00001],
  [416, 0.00001],
];

/** The document classes, in the column order of CLASS_GIVEN_STATUS. `idx` is 1 exactly for the index pages. */
export const DOC_CLASSES = [
  'index_htm', // -index.htm
  'index_html', // -index.html
  'txt', // .txt (the whole submission)
  'primary_doc', // primary_doc.xml
  'hdr_sgml', // .hdr.sgml
  'xml_named', // XBRL instance/linkbases, ownership forms …
  'htm_named', // R2.htm, d123456d10k.htm, exhibits …
  'txt_named', // -0001.txt, exhibits in text
  'other', // .xsd, -xbrl.zip, Financial_Report.xlsx, .pdf …
] as const;
export type DocClass = (typeof DOC_CLASSES)[number];

/**
 * P(document class | status). Measured on JAN1: for each status, the share of its rows in each class
 * (class = the extention field grouped as in DOC_CLASSES). Overall this gives -index.htm 37.9%, .txt
 * 31.3%, named .xml 14.2%, named .htm 8.5%.
 */
export const CLASS_GIVEN_STATUS: Readonly<Record<number, readonly number[]>> = {
  200: [0.3892, 0.0145, 0.3687, 0.022, 0.0023, 0.1098, 0.0757, 0.003, 0.0148],
  301: [0.4048, 0.0017, 0.211, 0.0288, 0.001, 0.2222, 0.0957, 0.0045, 0.0303],
  404: [0.001, 0, 0.6035, 0.0062, 0.0206, 0.034, 0.2472, 0.0041, 0.0834],
  403: [0.0241, 0, 0.0999, 0.4194, 0.4076, 0.0284, 0.0205, 0, 0],
  429: [0.0276, 0, 0.103, 0.4111, 0.4187, 0.0268, 0.0128, 0, 0],
  0: [0, 0, 0.5809, 0.0021, 0, 0.0166, 0.388, 0, 0.0124],
  304: [0, 0, 0.1413, 0.0012, 0, 0.1188, 0.7316, 0.0036, 0.0036],
  503: [0.9667, 0.0167, 0, 0, 0, 0, 0.0167, 0, 0],
  500: [0, 0, 0.5, 0, 0, 0, 0.5, 0, 0],
  206: [0.6538, 0, 0, 0, 0, 0, 0, 0, 0.3462],
  416: [0, 0, 1, 0, 0, 0, 0, 0, 0],
};

/**
 * Response sizes of status 200 by document class: quantiles (at QUANTILE_PROBS) measured on JAN1. A
 * document's size is fixed by a hash of (CIK, filing, file), so every visit of one file reports one size.
 */
export const SIZE_200: Readonly<Record<DocClass, readonly number[]>> = {
  index_htm: [2412, 2535, 2604, 2673, 2756, 2848, 7471, 8640, 11139, 22071, 711299],
  index_html: [2427, 2518, 2609, 2623, 2695, 2771, 2901, 7148, 9048, 14931, 28347],
  txt: [1243, 2011, 2368, 2915, 6385, 18199, 112199, 754507, 1535396, 8497781, 126065044],
  primary_doc: [838, 1888, 2046, 2093, 2201, 2461, 2867, 6994, 10783, 124688, 1297037],
  hdr_sgml: [1063, 1100, 1115, 1124, 1147, 1199, 1613, 2135, 2388, 3493, 7099],
  xml_named: [1081, 1845, 3626, 3985, 7030, 19994, 51782, 119264, 232293, 967651, 24065399],
  htm_named: [805, 1732, 2358, 2731, 3860, 11848, 50946, 228902, 694361, 2867676, 108457807],
  txt_named: [899, 985, 1323, 1702, 2758, 7341, 31918, 80182, 224613, 710913, 2165384],
  other: [791, 1169, 4012, 4020, 5716, 7196, 9227, 124991, 250138, 704415, 10484081],
};

/**
 * Response sizes of the other statuses: quantiles measured on JAN1 (the size of a redirect, an error page…).
 * 304 is absent on purpose: its size field is written EMPTY, as DESIGN §1 states and as the 2003 files do
 * (D2003: all 5,325 rows with 304 have an empty size). Note that the 2017 samples write a small size for
 * 304 instead (248/249 bytes on J630, 173–226 on JAN1); the generator follows the documented format, which
 * also exercises the readers' empty-size path.
 */
export const SIZE_BY_STATUS: Readonly<Record<number, readonly number[]>> = {
  301: [214, 231, 243, 598, 610, 624, 632, 639, 640, 651, 758],
  404: [0, 0, 0, 0, 0, 0, 703, 710, 711, 6528, 6528],
  403: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  429: [2514, 2514, 2514, 2514, 2514, 2514, 2514, 2514, 2578, 5271, 5458],
  0: [13399, 35789, 49390, 63318, 142157, 230012, 669563, 1167612, 1538019, 3163217, 36752234],
  503: [0, 0, 0, 0, 0, 0, 5965, 6011, 6103, 39041, 39087],
  500: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  206: [2531, 2531, 2683, 2708, 2755, 2914, 4684, 4684, 16973, 66113, 66113],
  416: [727, 727, 727, 727, 727, 727, 727, 727, 727, 727, 727],
};

/**
 * `find` (which referrer pattern matched), per burst. Measured on JAN1 (share of rows). In 2017 `norefer`
 * is 0.0 on every row of JAN1 and J630.
 */
export const FIND_MIX: readonly (readonly [number, number])[] = [
  [10, 0.9547],
  [7, 0.03845],
  [9, 0.0033],
  [1, 0.00291],
  [8, 0.00045],
  [2, 0.00011],
  [6, 0.00003],
  [3, 0.00002],
  [4, 0.00002],
  [5, 0.00001],
];

/** `noagent` = 1, per burst. Measured on JAN1: 1.737% of rows. */
export const NOAGENT_SHARE = 0.01737;

/**
 * `crawler`. Measured on JAN1 and J630: crawler = 1 exactly on the rows with status 404 (0.555% and 0.236%);
 * the user-agent rule of the SEC's README marked no other row. The generator writes crawler = (code == 404).
 */
export const MEASURED_CRAWLER_SHARE = 0.00555;
/** Measured `idx` = 1 share on JAN1 (tests). */
export const MEASURED_IDX_SHARE = 0.39181;

// ─── Before 2007 ──────────────────────────────────────────────────────────────────────────────────────

/**
 * Dates before 2007 use the early format: zone 500.0, a `browser` code, and the 2003 referrer mix
 * (norefer = 1 exactly when find = 0). Measured on D2003 (shares of rows). Everything else keeps the
 * 2017 calibration — these dates are for exercising old-format readers, not 2003 traffic.
 */
export const ZONE_BEFORE_2007 = '500.0';
export const BROWSER_MIX_2003: readonly (readonly [string, number])[] = [
  ['win', 0.57771],
  ['', 0.21285],
  ['mie', 0.20208],
  ['lin', 0.0043],
  ['mac', 0.00212],
  ['opr', 0.00087],
  ['iem', 0.00007],
];
export const FIND_MIX_2003: readonly (readonly [number, number])[] = [
  [0, 0.33324],
  [1, 0.2985],
  [9, 0.25227],
  [4, 0.04441],
  [10, 0.04188],
  [6, 0.02379],
  [2, 0.00322],
  [7, 0.00269],
];

// ─── Document names ───────────────────────────────────────────────────────────────────────────────────

/**
 * Names within the named classes, with weights measured on JAN1 (counts of name shapes, digits and
 * ticker-date stems abstracted: `TK-DATE` = an XBRL stem such as `abc-20160930`). `{tk}` is a 2–4 letter
 * stem fixed per CIK, `{date}` a quarter end near the filing year, `{n}` a small number, `{d6}` six digits.
 */
export const NAMES: Readonly<Record<'xml_named' | 'htm_named' | 'txt_named' | 'other', readonly (readonly [string, number])[]>> = {
  xml_named: [
    ['{tk}-{date}.xml', 3836],
    ['{tk}-{date}_lab.xml', 2313],
    ['{tk}-{date}_pre.xml', 2220],
    ['{tk}-{date}_cal.xml', 2203],
    ['{tk}-{date}_def.xml', 2130],
    ['doc4.xml', 1135],
    ['edgar.xml', 1044],
    ['xslF345X03/doc4.xml', 970],
    ['xslF345X03/edgar.xml', 586],
    ['xslFormDX01/primary_doc.xml', 557],
    ['infoTable.xml', 457],
    ['xslForm13F_X01/infoTable.xml', 422],
    ['edgardoc.xml', 358],
    ['xslF345X03/form4.xml', 353],
  ],
  htm_named: [
    ['R{n}.htm', 3909],
    ['d{d6}dex{ex}.htm', 1343],
    ['d{d6}d{form}.htm', 527],
    ['v{d6}_ex{ex}.htm', 328],
    ['dex{ex}.htm', 279],
    ['ex{ex}.htm', 233],
    ['exhibit{ex}.htm', 127],
    ['{tk}-{date}x10k.htm', 92],
    ['form10k.htm', 58],
  ],
  txt_named: [
    ['-{n4}.txt', 27],
    ['d{d6}dex{ex}.txt', 22],
    ['ex{ex}.txt', 15],
    ['filename{n}.txt', 14],
  ],
  other: [
    ['{tk}-{date}.xsd', 2157],
    ['-xbrl.zip', 326],
    ['Financial_Report.xlsx', 86],
    ['filename{n}.pdf', 85],
    ['.paper', 29],
    ['report.css', 27],
    ['Show.js', 9],
  ],
};
