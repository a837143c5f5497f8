import { Command } from '@commander-js/extra-typings';
import { checkServices } from '../adapters/health.js';
import { parseDuration } from '../core/durations.js';
import { FindocError } from '../core/errors.js';
import { paint, printJson, printTable } from '../output.js';
import { configOf, withExamples } from './context.js';

export function doctorCommand(): Command<[], { json?: true; timeout: string }> {
  const cmd = new Command('doctor')
    .description('check that Kafka, Redis, PostgreSQL and S3 answer at the configured addresses')
    .option('--json', 'print the results as one JSON document')
    .option('--timeout <ms>', 'how long to wait for each service: 3000 (ms), 3s, 1m', '3000')
    .action(async (opts, command) => {
      const config = configOf(command);
      // A bare number is milliseconds here, as documented since doctor's first version.
      const timeout = parseDuration(opts.timeout, { flag: '--timeout', unit: 'ms', min: 1, max: 3_600_000 });
      const results = await checkServices(config, timeout);
      const allOk = results.every((r) => r.ok);
      if (opts.json) {
        printJson({ ok: allOk, configFile: config.configFile ?? null, services: results });
      } else {
        printTable(
          ['service', 'address', 'status', 'detail / hint'],
          results.map((r) => [
            r.service,
            r.address,
            r.ok ? paint('ok', 'green') : paint('failed', 'red'),
            r.ok ? (r.detail ?? '') : `${r.error}\n${r.hint}`,
          ]),
        );
      }
      if (!allOk) {
        const down = results.filter((r) => !r.ok);
        throw new FindocError(
          'FINDOC_SERVICE_UNAVAILABLE',
          `unavailable: ${down.map((r) => `${r.service} at ${r.address} (set ${r.setting})`).join('; ')}`,
          { hint: 'start the local stack with: npm run stack:up' },
        );
      }
    });
  return withExamples(cmd, ['findoc doctor', 'findoc doctor --json | jq .services', 'KAFKA_BROKERS=broker1:9092 findoc doctor']);
}
