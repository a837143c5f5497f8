import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { caughtUp, consumerLag } from '../../src/core/lag.js';

describe('consumer lag', () => {
  const topic = [
    { partition: 1, low: 0, high: 100 },
    { partition: 0, low: 0, high: 50 },
    { partition: 2, low: 40, high: 40 },
    { partition: 3, low: 10, high: 30 },
  ];

  it('is the end offset minus the next offset to apply, per partition, never negative', () => {
    const lag = consumerLag(
      [
        { partition: 0, offset: 49 },
        { partition: 1, offset: 89 },
        { partition: 2, offset: 60 },
      ],
      topic,
    );
    assert.deepEqual(lag, [
      { partition: 0, next: 50, high: 50, lag: 0 },
      { partition: 1, next: 90, high: 100, lag: 10 },
      { partition: 2, next: 61, high: 40, lag: 0 },
      // Never applied: it starts at the oldest record the topic still has.
      { partition: 3, next: 10, high: 30, lag: 20 },
    ]);
  });

  it('caught up means every partition is applied to its end (empty partitions count as done)', () => {
    assert.equal(caughtUp([{ partition: 0, offset: 49 }, { partition: 1, offset: 99 }, { partition: 3, offset: 29 }], topic), true);
    assert.equal(caughtUp([{ partition: 0, offset: 49 }, { partition: 1, offset: 98 }, { partition: 3, offset: 29 }], topic), false);
    assert.equal(caughtUp([], [{ partition: 0, low: 5, high: 5 }]), true);
  });
});
