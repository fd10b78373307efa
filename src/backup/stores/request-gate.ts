import type { S3Client } from '@aws-sdk/client-s3';

/**
 * Lets the caller make `client` refuse every further request, including the SDK's own retries.
 * lib-storage's Upload.abort() only stops queuing parts: requests it had sent, and their retries,
 * would otherwise go on after the upload was given up. Installed before the first request, because
 * each send works on a copy of the middleware stack taken when it starts. Returns the switch.
 */
export function installRequestGate(client: S3Client): () => void {
  let closed = false;
  client.middlewareStack.add(
    (next) => async (args) => {
      if (closed) throw Object.assign(new Error('The upload was stopped.'), { name: 'AbortError' });
      return next(args);
    },
    // Below the retry middleware, so each retry attempt passes through here too.
    { step: 'finalizeRequest', priority: 'low', name: 'foodfleetRequestGate' },
  );
  return () => {
    closed = true;
  };
}
