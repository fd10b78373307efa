import { describe, expect, it } from 'vitest';
import { batchLength, entrySize, fitEntry } from '../src/cli/cloudwatch/log-batches.js';
import { LogBuffer } from '../src/cli/cloudwatch/log-buffer.js';
import { defaultLogStream } from '../src/cli/cloudwatch/stream-name.js';

/** PutLogEvents' limits, applied before anything is sent (pure functions, no network). */
const T0 = Date.parse('2026-12-05T00:00:00Z');

function entry(message: string, timestamp = T0) {
  return { timestamp, message };
}

describe('batchLength', () => {
  it('stops at 10,000 events', () => {
    const entries = Array.from({ length: 10_050 }, () => entry('{"event":"x"}'));
    expect(batchLength(entries)).toBe(10_000);
  });

  it('stops before 1 MiB counting each message + 26 bytes, multi-byte characters by their UTF-8 size', () => {
    // 4 × (262,118 bytes + 26) = 1,048,576 exactly: the fifth does not fit.
    const big = entry('é'.repeat(131_059));
    expect(entrySize(big)).toBe(262_144);
    expect(batchLength([big, big, big, big, big])).toBe(4);
    expect(batchLength([big, big, big, big, entry('{}')])).toBe(4);
  });

  it('never spans more than 24 hours', () => {
    const day = 24 * 60 * 60 * 1000;
    expect(batchLength([entry('a'), entry('b', T0 + day), entry('c', T0 + day + 1)])).toBe(2);
  });

  it('is 0 for nothing', () => {
    expect(batchLength([])).toBe(0);
  });
});

describe('fitEntry', () => {
  it('leaves an event within 256 KiB as it is', () => {
    const small = entry(JSON.stringify({ event: 'seeder_failed', error: 'x'.repeat(1000) }));
    expect(fitEntry(small)).toBe(small);
  });

  it('cuts the long strings of a larger one and stays valid JSON with its event name', () => {
    const huge = entry(JSON.stringify({ time: 't', event: 'seeder_failed', error: 'x'.repeat(300_000) }));
    const fitted = fitEntry(huge);
    expect(entrySize(fitted)).toBeLessThanOrEqual(262_144);
    const parsed = JSON.parse(fitted.message);
    expect(parsed).toMatchObject({ time: 't', event: 'seeder_failed', truncated: true });
    expect(parsed.error).toMatch(/^x+… \(truncated\)$/);
  });

  it('keeps only time and event when cutting strings is not enough', () => {
    const tables = Object.fromEntries(Array.from({ length: 30_000 }, (_, i) => [`table_${i}`, i]));
    const fitted = fitEntry(entry(JSON.stringify({ time: 't', event: 'backup_completed', tables })));
    expect(JSON.parse(fitted.message)).toEqual({ time: 't', event: 'backup_completed', truncated: true });
  });
});

describe('LogBuffer', () => {
  it('drops the oldest when full and says how many', () => {
    const buffer = new LogBuffer(3, 1_000_000);
    expect([1, 2, 3].map((n) => buffer.push(entry(String(n), T0 + n)))).toEqual([0, 0, 0]);
    expect(buffer.push(entry('4', T0 + 4))).toBe(1);
    expect(buffer.takeBatch().map((e) => e.message)).toEqual(['2', '3', '4']);
  });

  it('bounds bytes as well as count', () => {
    const buffer = new LogBuffer(100, 3 * (26 + 10));
    for (let n = 0; n < 5; n++) buffer.push(entry(String(n).repeat(10)));
    expect(buffer.size).toBe(3);
  });

  it('keeps time order when the clock steps back, and puts an undelivered batch back in front', () => {
    const buffer = new LogBuffer(10, 1_000_000);
    buffer.push(entry('a', T0 + 10));
    buffer.push(entry('b', T0 + 5));
    const batch = buffer.takeBatch();
    expect(batch.map((e) => e.timestamp)).toEqual([T0 + 10, T0 + 10]);
    buffer.push(entry('c', T0 + 20));
    buffer.putBack(batch);
    expect(buffer.takeBatch().map((e) => e.message)).toEqual(['a', 'b', 'c']);
  });
});

describe('defaultLogStream', () => {
  it('is <hostname>-<pid>-<start as YYYYMMDDTHHMMSSZ>, without ":"', () => {
    expect(defaultLogStream('web-1', 4242, new Date('2026-12-05T00:45:12.345Z'))).toBe(
      'web-1-4242-20261205T004512Z',
    );
    expect(defaultLogStream('odd:host*', 1, new Date(T0))).not.toMatch(/[:*]/);
  });
});
