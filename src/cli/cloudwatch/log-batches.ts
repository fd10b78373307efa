import type { LogEntry } from '../output.js';

/**
 * PutLogEvents' limits: a batch counts each message's UTF-8 bytes plus 26 bytes per event, holds
 * at most 10,000 events and spans at most 24 hours; one event is at most 256 KiB the same way.
 */
const MAX_BATCH_BYTES = 1_048_576;
const MAX_BATCH_EVENTS = 10_000;
const MAX_EVENT_BYTES = 262_144;
const EVENT_OVERHEAD_BYTES = 26;
const MAX_BATCH_SPAN_MS = 24 * 60 * 60 * 1000;
/** Where an oversized event's long strings are cut. */
const LONG_STRING = 8_192;

/** The bytes one entry counts for against PutLogEvents' limits. */
export function entrySize(entry: LogEntry): number {
  return Buffer.byteLength(entry.message, 'utf8') + EVENT_OVERHEAD_BYTES;
}

/** How many leading entries (in time order) one PutLogEvents call accepts: at least 1 when any. */
export function batchLength(entries: readonly LogEntry[]): number {
  let bytes = 0;
  let count = 0;
  const first = entries[0]?.timestamp ?? 0;
  for (const entry of entries) {
    const size = entrySize(entry);
    if (count === MAX_BATCH_EVENTS || entry.timestamp - first > MAX_BATCH_SPAN_MS) break;
    if (count > 0 && bytes + size > MAX_BATCH_BYTES) break;
    bytes += size;
    count += 1;
  }
  return count;
}

/**
 * The entry made small enough for one event, still valid JSON so metric filters on `$.event`
 * keep matching: long strings are cut; if that is not enough only `time` and `event` stay.
 */
export function fitEntry(entry: LogEntry): LogEntry {
  if (entrySize(entry) <= MAX_EVENT_BYTES) return entry;
  const fields = JSON.parse(entry.message) as Record<string, unknown>;
  const cut = Object.fromEntries(
    Object.entries(fields).map(([key, value]) => [
      key,
      typeof value === 'string' && value.length > LONG_STRING
        ? `${value.slice(0, LONG_STRING)}… (truncated)`
        : value,
    ]),
  );
  const shorter = { timestamp: entry.timestamp, message: JSON.stringify({ ...cut, truncated: true }) };
  if (entrySize(shorter) <= MAX_EVENT_BYTES) return shorter;
  return {
    timestamp: entry.timestamp,
    message: JSON.stringify({ time: fields.time, event: fields.event, truncated: true }),
  };
}
