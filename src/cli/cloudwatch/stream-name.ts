/**
 * `<hostname>-<pid>-<start as 20261205T004512Z>`: unique per process, sortable by start, and free
 * of `:` and `*`, which CloudWatch refuses in stream names.
 */
export function defaultLogStream(host: string, pid: number, startedAt: Date): string {
  const stamp = startedAt
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');
  return `${host.replace(/[:*]/g, '_')}-${pid}-${stamp}`;
}
