/**
 * `work` run at most once at a time and, once it succeeded, never again; a failure lets the next
 * call try anew (e.g. creating the tracking table while the database was down).
 */
export function onceUntilSuccess(work: () => Promise<unknown>): () => Promise<unknown> {
  let running: Promise<unknown> | undefined;
  return () =>
    (running ??= work().catch((error: unknown) => {
      running = undefined;
      throw error;
    }));
}
