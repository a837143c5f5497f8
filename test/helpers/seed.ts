/**
 * Random choices a failure can be replayed from: the seed is FINDOC_TEST_SEED when set, else drawn once;
 * the test prints it (t.diagnostic) so that `FINDOC_TEST_SEED=<seed> bash scripts/test.sh FILE` repeats
 * the same kill points.
 */
import { rngFor } from '../../src/generate/prng.js';

export interface SeededRandom {
  seed: number;
  /** Uniform in [0, 1). */
  random(): number;
}

export function testRandom(env: NodeJS.ProcessEnv = process.env): SeededRandom {
  const given = env.FINDOC_TEST_SEED;
  const seed = given !== undefined && given !== '' ? Number(given) : Math.floor(Math.random() * 2 ** 32);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`FINDOC_TEST_SEED must be a non-negative integer, got ${given}`);
  const rng = rngFor(seed, 0x6b696c6c); // "kill"
  return { seed, random: () => rng.next() / 2 ** 32 };
}
