/**
 * findoc stream: declares the flags, builds the options, prints the report. The stage is src/stream/run.ts.
 */
import { Command, Option } from '@commander-js/extra-typings';
import { connectRedis } from '../adapters/redis.js';
import { LONGEST_WINDOW_SECONDS, isoSecond } from '../core/windows.js';
import { Progress, formatRate, info, printJson } from '../output.js';
import { onShutdown } from '../signals.js';
import { streamOptions } from '../stream/options.js';
import { runStream, type StreamReport } from '../stream/run.js';
import { configOf, deprecated, withExamples } from './context.js';

export function streamCommand() {
  const cmd = new Command('stream')
    .description('consume visits from Kafka into live counts in Redis (per second, per CIK, sliding windows), exactly once')
    .option('--topic <name>', 'Kafka topic to read', 'edgar.visits')
    .option('--group <id>', 'consumer group: processes with the same group split the partitions', 'findoc-stream')
    .option('--redis-prefix <prefix>', 'namespace of every Redis key', 'findoc:')
    .option('--retention <duration>', `how long visits per second are kept behind the latest event (at least ${LONGEST_WINDOW_SECONDS / 3600}h)`, '24h')
    .option('--filter <rules>', 'drop visits by rule: robots, crawlers, errors (comma separated; default: keep all)')
    .option('--exclude-crawlers', 'shorthand for --filter crawlers')
    .option('--robots <rule>', 'robots rule (turns the robots filter on): drt (default), lm, ryans, or minute-requests=N,minute-ciks=N,day-requests=N,day-ciks=N (docs/robots.md)')
    .option('--robots-mode <mode>', 'causal only: the stream cannot know a day\'s robots before the day ends (batch has day mode)')
    .addOption(new Option('--start-offset <where>', 'where partitions never applied to this namespace start').choices(['earliest', 'latest'] as const))
    .addOption(new Option('--from <where>', 'deprecated: --start-offset').choices(['earliest', 'latest'] as const).hideHelp())
    .option('--max-future <duration>', 'reject events stamped later than the wall clock plus this', '1h')
    .option('--partitions <n>', 'partitions of the topic when stream creates it', '4')
    .option('--session-timeout <duration>', 'how soon the group gives a crashed member\'s partitions to the others (Kafka allows 6s to 30m)', '10s')
    .option('--reset', 'delete this namespace\'s keys first (only those under --redis-prefix), then stream')
    .addOption(new Option('--on-lost-state <what>', 'when Redis lost the namespace\'s state while streaming (restarted empty): rebuild it from the earliest offsets Kafka holds, or fail (exit 75)').choices(['rebuild', 'fail'] as const).default('rebuild' as const))
    .option('--sessions <seconds>', 'also keep visitor sessions live, with this inactivity period (1 to 86400 s; findoc sessions --live reads them)')
    .option('--until-end', 'stop once every record the topic held at start is applied (catch up, then exit)')
    .option('--json', 'print a JSON summary when stopping')
    .addHelpText(
      'after',
      `
Counts are by event time (the row's date and time, UTC). Each record changes Redis once: offsets are
stored with the counts in one Lua script, and a restarted or rebalanced process resumes from them
(kill -9 included). Run several processes with one --group to split the partitions.
Visits older than the latest event minus --retention count in the all-time totals only ("late").
With --filter robots, each IP's per-day counts live in Redis and change in the same script as the counts
(the same classification as batch, docs/robots.md); robot visits are counted in total and per second.
With --sessions N, each IP's open session changes in the same script too; ended sessions go to a capped
Redis stream (findoc sessions --live), the same sessions findoc sessions finds in the file (docs/sessions.md).
The Redis key layout is in docs/redis.md. Ctrl-C stops cleanly; a second Ctrl-C exits at once.`,
    )
    .action(async (opts, command) => {
      const config = configOf(command);
      const options = streamOptions({ ...opts, startOffset: opts.startOffset ?? deprecated('--from', '--start-offset', opts.from, 'stream') ?? 'earliest' });
      const redis = await connectRedis(config.redis.url, { persistent: true });
      const shutdown = onShutdown();
      const progress = new Progress(250);
      try {
        const report = await runStream(options, {
          redis,
          kafka: config.kafka,
          signal: shutdown.signal,
          onInfo: info,
          onProgress: (p) =>
            progress.update(
              () =>
                `stream ${options.topic} → ${options.prefix}  ${formatRate(p.visits)} visits  ${formatRate(p.visits / p.seconds)}/s  ` +
                (options.filter.robots ? `robots ${formatRate(p.robots)}  ` : '') +
                `latest ${p.latest === null ? '-' : isoSecond(p.latest)}  rejected ${p.rejected}  partitions ${p.partitions.join(',') || '-'}`,
            ),
        });
        progress.done();
        print(report, opts.json === true);
      } finally {
        progress.done();
        shutdown.dispose();
        redis.disconnect();
      }
    });
  return withExamples(cmd, [
    'findoc stream',
    'findoc stream --topic edgar.visits --group findoc-stream --exclude-crawlers --redis-prefix live:',
    'findoc stream --until-end --json    # catch up with the topic, print a summary, exit',
    'findoc stream --filter robots --robots drt --redis-prefix humans:',
    'findoc stream --reset --redis-prefix test:',
    'findoc stream --sessions 1800 --redis-prefix live:',
  ]);
}

function print(r: StreamReport, json: boolean): void {
  if (json) {
    printJson(r);
    return;
  }
  const n = r.namespace;
  process.stdout.write(
    `applied ${r.visits.toLocaleString('en-US')} visits from ${r.records.toLocaleString('en-US')} records in ${r.seconds.toFixed(1)} s ` +
      `(${formatRate(r.visitsPerSecond)} visits/s; ${r.filtered} filtered, ${r.rejected.total} rejected, ${r.duplicates} already applied)\n` +
      `namespace "${r.prefix}": ${n.visits.toLocaleString('en-US')} visits in all, latest event ${r.latest ?? '-'}, ` +
      `${n.late} late, ${n.rejected} rejected\n`,
  );
  if (n.robotShare !== null) {
    process.stdout.write(
      `robots (${r.filter}): ${n.robots.toLocaleString('en-US')} robot visits from ${n.robotIps.toLocaleString('en-US')} IP-days, ` +
        `${(n.robotShare * 100).toFixed(2)} % of visits; humans ${((1 - n.robotShare) * 100).toFixed(2)} %\n`,
    );
  }
  for (const [reason, count] of Object.entries(r.rejected.byReason)) process.stdout.write(`  rejected ${reason}: ${count}\n`);
}

