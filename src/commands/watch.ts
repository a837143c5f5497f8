/**
 * findoc watch: the live terminal dashboard (DESIGN §3.5). Flags → options → runWatch (src/watch/).
 */
import { Command, Option } from '@commander-js/extra-typings';
import { WINDOWS, type TopWindow } from '../watch/dashboard.js';
import { parseDuration } from '../core/durations.js';
import { usageError } from '../core/errors.js';
import { runWatch } from '../watch/run.js';
import { createWatchSource } from '../watch/source.js';
import { createOffsetReader } from '../adapters/kafka/topic-offsets.js';
import { namespaceKeys } from '../adapters/stream-state.js';
import { configOf, withExamples } from './context.js';

/** Visits per second are kept 24 h by default (stream --retention): a longer span would draw zeros. */
const MAX_SPAN = 24 * 3600;

export function watchCommand() {
  const cmd = new Command('watch')
    .description('live terminal dashboard: visits/s against the bands, temperature, top 10 companies, stream lag')
    .option('--redis-prefix <prefix>', 'key prefix of the stream\'s state, as given to stream and top', 'findoc:')
    .option('--set <name>', 'day set whose bands the rate is compared with, as given to batch and bands', 'default')
    .option('--span <duration>', 'how far back the chart goes: 90s, 5m, 1h, 1d', '5m')
    .addOption(new Option('--window <window>', 'top-10 window at start (w cycles)').choices(WINDOWS).default('10s' as TopWindow))
    .option('--refresh <duration>', 'time between two reads and redraws: 500ms, 1s, 5s', '1s')
    .option('--schema <name>', 'PostgreSQL schema holding findoc\'s tables (env FINDOC_PG_SCHEMA; default: the search_path)')
    .addHelpText(
      'after',
      `
Keys: q, Esc or Ctrl-C quit; p pause; w next window (10 s, 1 min, 5 min, 1 h); ? help.

Temperature: the mean visits/s of the last 10 complete event seconds against the mean p25/p75/p95 of the
same seconds of the day in --set: cold < p25 ≤ normal ≤ p75 < warm ≤ p95 < hot (docs/pipeline.md, Watch).
Unusual now: the 5 companies read most above their own history in --set over the last 5 minutes
(Poisson z, as findoc alerts).

Needs a terminal of 80×24 or more (a smaller one shows "terminal too small" until it grows). For scripts
and pipes use findoc top (--json) and findoc bands (--json); without a TTY watch exits 64. Colours are off
under NO_COLOR. Services that stop answering are shown as unreachable in the panels they empty and the
status line while the dashboard keeps running; it recovers when they return.`,
    )
    .action(async (opts, command) => {
      const span = Math.round(parseDuration(opts.span, { flag: '--span', unit: 's', min: 30, max: MAX_SPAN }));
      const refreshMs = parseDuration(opts.refresh, { flag: '--refresh', unit: 'ms', bare: 's', min: 200, max: 3_600_000 });
      namespaceKeys(opts.redisPrefix); // refuses a prefix stream would refuse, before the screen opens
      if (!process.stdout.isTTY || !process.stdin.isTTY) {
        throw usageError(
          'findoc watch needs a terminal: stdin and stdout must be a TTY',
          `in scripts or pipes use findoc top --window ${opts.window} --json and findoc bands --set ${opts.set} --json`,
        );
      }
      const config = configOf(command);
      const source = createWatchSource({
        redisUrl: config.redis.url,
        postgresUrl: config.postgres.url,
        schema: config.postgres.schema,
        setName: opts.set,
        prefix: opts.redisPrefix,
        kafka: createOffsetReader(config.kafka),
      });
      await runWatch(source, { refreshMs, span, window: opts.window, colour: config.colour });
    });
  return withExamples(cmd, [
    'findoc watch',
    'findoc watch --set 2017-h1-humans --span 15m --window 1m',
    'findoc watch --redis-prefix demo: --refresh 2s',
    'NO_COLOR=1 findoc watch',
  ]);
}
