import type { S3Client } from '@aws-sdk/client-s3';

const NAME = 'foodfleetStopAfterAbort';

/**
 * Makes `client` refuse every further request (including the SDK's own retries) except the named
 * commands. lib-storage's Upload.abort() only stops queuing parts: requests it already sent, and
 * their retries, would otherwise go on after the upload was given up.
 */
export function stopAfterAbort(client: S3Client, allowed: readonly string[]): void {
  client.middlewareStack.remove(NAME);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!allowed.includes(context.commandName ?? '')) {
        throw Object.assign(new Error('The upload was stopped.'), { name: 'AbortError' });
      }
      return next(args);
    },
    // Below the retry middleware, so each retry attempt passes through here too.
    { step: 'finalizeRequest', priority: 'low', name: NAME },
  );
}
