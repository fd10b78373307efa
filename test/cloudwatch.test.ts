import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCloudWatchServer, type CloudWatchServer } from './support/cloudwatch-server.js';
import { freePort } from './support/free-port.js';
import { freshDatabase, runCli, tempDir, type FreshDatabase } from './support/index.js';
import { writeSeederFile } from './support/seeders-dir.js';
import { curl, startServe } from './server-harness.js';

/**
 * `logging.cloudwatch`: every JSON event also goes to CloudWatch Logs through the real AWS SDK,
 * here a loopback server speaking the CloudWatch Logs protocol. Delivery never changes a run's
 * outcome, and an endpoint that is down or never answers costs at most the 2 s exit deadline.
 */
/** The database password the tests expect masked (the URL's own, or one trust authentication ignores). */
let PASSWORD = 'kitchen-secret-42';
const AWS_SECRET = 'dummy-secret-access-key-0123456789';
let db: FreshDatabase;
let cw: CloudWatchServer;
let dbUrlWithPassword: string;

beforeAll(async () => {
  db = await freshDatabase('cloudwatch');
  cw = await startCloudWatchServer();
  const url = new URL(db.url);
  // A server with password authentication (the throwaway one) needs its own; trust ignores ours.
  if (url.password) PASSWORD = decodeURIComponent(url.password);
  else url.password = PASSWORD;
  dbUrlWithPassword = url.toString();
});

afterAll(async () => {
  await cw?.close();
  await db?.close();
});

function cloudWatchEnv(endpoint: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: dbUrlWithPassword,
    CLOUDWATCH_LOG_GROUP: '/foodfleet/seed-test',
    CLOUDWATCH_ENDPOINT: endpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDUMMYTESTKEY00000',
    AWS_SECRET_ACCESS_KEY: AWS_SECRET,
    ...extra,
  };
}

/** The JSON event lines on stderr, parsed. */
function stderrEvents(stderr: string): Array<Record<string, unknown>> {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The stream a run created (the only one not seen before). */
function newStream(before: string[]): string {
  const created = cw.streams().filter((key) => !before.includes(key));
  expect(created).toHaveLength(1);
  return created[0]!.split('/').pop()!;
}

/** A seeder that fails with the database URL (and its password) in its message. */
function leakySeedersDir(): string {
  const dir = tempDir('foodfleet-cw-seeders-');
  writeSeederFile(
    dir,
    'leaky-url-seeder.ts',
    `import { Seeder } from 'foodfleet-seed';
export class LeakyUrlSeeder extends Seeder {
  readonly name = 'LeakyUrlSeeder';
  override readonly dependsOn = ['SMSTemplatesSeeder'];
  async run(): Promise<void> {
    throw new Error('cannot reach ' + process.env.DATABASE_URL + ' with ${PASSWORD}');
  }
}
`,
  );
  return dir;
}

describe('a run sends its events to CloudWatch Logs', () => {
  it('every --log-format json line arrives, complete and in order, in a stream it created', async () => {
    const before = cw.streams();
    const result = await runCli(['run', '--no-backup', '--log-format', 'json'], {
      env: cloudWatchEnv(cw.endpoint),
    });
    expect(result.code, result.stderr).toBe(0);
    const stream = newStream(before);
    expect(stream).toMatch(/^.+-\d+-\d{8}T\d{6}Z$/);
    expect(cw.streams()).toContain(`/foodfleet/seed-test/${stream}`);
    const create = cw.calls.findIndex(
      (c) => c.operation === 'CreateLogStream' && c.body.logStreamName === stream,
    );
    const firstPut = cw.calls.findIndex(
      (c) => c.operation === 'PutLogEvents' && c.body.logStreamName === stream,
    );
    expect(create).toBeGreaterThanOrEqual(0);
    expect(firstPut).toBeGreaterThan(create);

    const local = stderrEvents(result.stderr);
    const received = cw.events(stream);
    expect(received.map((e) => JSON.parse(e.message))).toEqual(local);
    expect(received.map((e) => e.timestamp)).toEqual(local.map((e) => Date.parse(String(e.time))));
    // (plus the warning about the default super-admin password)
    expect(local.map((e) => e.event).filter((name) => name !== 'warning')).toEqual([
      ...['PermissionsSeeder', 'RolesSeeder', 'SuperAdminSeeder', 'SMSTemplatesSeeder'].flatMap(() => [
        'seeder_started',
        'seeder_completed',
      ]),
    ]);
    expect(result.stderr).not.toContain('CloudWatch');
  });

  it('in text mode too: the terminal shows text, CloudWatch gets the JSON events', async () => {
    const before = cw.streams();
    const result = await runCli(['run', '--no-backup'], { env: cloudWatchEnv(cw.endpoint) });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/^\{/m);
    const received = cw.events(newStream(before)).map((e) => JSON.parse(e.message));
    expect(received.map((e) => e.event)).toContain('seeder_completed');
    expect(received.find((e) => e.event === 'seeder_completed')).toMatchObject({
      seeder: 'PermissionsSeeder',
      created: 0,
    });
  });

  it('a failing run: seeder_failed and error arrive, secrets masked there too, the exit code is the run’s', async () => {
    const before = cw.streams();
    const result = await runCli(['run', '--no-backup', '--log-format', 'json'], {
      env: cloudWatchEnv(cw.endpoint, { SEED_SEEDERS_DIR: leakySeedersDir() }),
    });
    expect(result.code, result.stderr).toBe(1);
    const messages = cw.events(newStream(before)).map((e) => e.message);
    expect(messages.map((m) => JSON.parse(m))).toEqual(stderrEvents(result.stderr));
    const failed = messages.map((m) => JSON.parse(m)).find((e) => e.event === 'seeder_failed');
    expect(failed).toMatchObject({ seeder: 'LeakyUrlSeeder' });
    expect(String(failed.error)).toContain('cannot reach postgres://postgres:****@');
    expect(messages.map((m) => JSON.parse(m).event)).toContain('error');
    for (const message of messages) {
      expect(message).not.toContain(PASSWORD);
      expect(message).not.toContain(AWS_SECRET);
    }
  });

  it('a configured stream that already exists is used as it is', async () => {
    const cwd = tempDir('foodfleet-cw-config-');
    writeFileSync(
      path.join(cwd, 'seedrc.json'),
      JSON.stringify({ logging: { cloudwatch: { logGroup: 'from-file', logStream: 'fixed-stream' } } }),
    );
    const env = cloudWatchEnv(cw.endpoint, { CLOUDWATCH_LOG_GROUP: '' });
    const first = await runCli(['run', '--no-backup', '--log-format', 'json'], { env, cwd });
    const second = await runCli(['run', '--no-backup', '--log-format', 'json'], { env, cwd });
    expect(first.code, first.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toContain('CloudWatch');
    const creates = cw.calls.filter(
      (c) => c.operation === 'CreateLogStream' && c.body.logGroupName === 'from-file',
    );
    expect(creates).toHaveLength(2);
    expect(cw.events('fixed-stream')).toHaveLength(
      stderrEvents(first.stderr).length + stderrEvents(second.stderr).length,
    );
  });
});

describe('bad settings', () => {
  it('are refused before anything runs: exit 2, every problem with its path, nothing sent or recorded', async () => {
    const cwd = tempDir('foodfleet-cw-bad-');
    writeFileSync(
      path.join(cwd, 'seedrc.json'),
      JSON.stringify({ logging: { cloudwatch: { logGroup: 'ok', logStream: 'host:1', extra: true } } }),
    );
    const calls = cw.calls.length;
    // (seeder_executions exists: the runs above created it)
    const [before] = await db.query<{ n: string }>('select count(*) as n from seeder_executions');
    const result = await runCli(['run', '--no-backup'], {
      env: cloudWatchEnv(cw.endpoint, { CLOUDWATCH_LOG_GROUP: 'bad group' }),
      cwd,
    });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('logging.cloudwatch.logGroup: must be 1–512 of');
    expect(result.stderr).toContain('logging.cloudwatch.logStream: must be 1–512 characters without ":"');
    expect(result.stderr).toContain('logging.cloudwatch.extra: unknown key');
    expect(cw.calls.length).toBe(calls);
    const [after] = await db.query<{ n: string }>('select count(*) as n from seeder_executions');
    expect(after).toEqual(before);
  });
});

describe('an endpoint that is down or never answers', () => {
  let hanging: CloudWatchServer;

  beforeAll(async () => {
    hanging = await startCloudWatchServer({ hang: true });
  });

  afterAll(async () => {
    await hanging?.close();
  });

  it('down (nothing listening): the run succeeds, with one warning', async () => {
    const started = Date.now();
    const closedPort = await freePort();
    const result = await runCli(['run', '--no-backup'], {
      env: cloudWatchEnv(`http://127.0.0.1:${closedPort}`),
    });
    expect(result.code, result.stderr).toBe(0);
    const warnings = result.stderr.split('\n').filter((line) => line.includes('CloudWatch'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^Warning: CloudWatch Logs: delivery to log group "\/foodfleet\/seed-test"/);
    expect(warnings[0]).toContain('not affected');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('never answering: a failing run keeps its own exit code and error, plus one warning event', async () => {
    const started = Date.now();
    const result = await runCli(['run', '--no-backup', '--log-format', 'json'], {
      env: cloudWatchEnv(hanging.endpoint, { SEED_SEEDERS_DIR: leakySeedersDir() }),
    });
    expect(result.code, result.stderr).toBe(1);
    const events = stderrEvents(result.stderr);
    expect(events.find((e) => e.event === 'error')).toMatchObject({ code: 'SEEDER_FAILED' });
    const warnings = events.filter((e) => e.event === 'warning' && String(e.message).includes('CloudWatch'));
    expect(warnings).toHaveLength(1);
    expect(hanging.calls).toHaveLength(0); // it never answered, so it never recorded a call either
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

describe('serve', () => {
  it('sends its request lines while it runs, and the rest when it stops', async () => {
    const before = cw.streams();
    const { url, cli } = await startServe(cloudWatchEnv(cw.endpoint));
    const health = await curl('GET', `${url}/health`);
    expect(health.status).toBeLessThan(600);
    // Delivered by the periodic flush, while serve still runs.
    const deadline = Date.now() + 30_000;
    const requests = () =>
      cw
        .events()
        .map((e) => JSON.parse(e.message))
        .filter((e) => e.event === 'request' && e.path === '/health');
    while (requests().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(requests()[0]).toMatchObject({ method: 'GET', path: '/health', status: health.status });
    const result = await cli.kill('SIGTERM');
    expect(result.code, result.stderr).toBe(0);
    const events = cw.events(newStream(before)).map((e) => JSON.parse(e.message).event);
    expect(events).toEqual(expect.arrayContaining(['server_listening', 'request', 'server_stopped']));
  });

  it('an outage while it runs: one warning, and the events are delivered once the endpoint is back', async () => {
    const flaky = await startCloudWatchServer({ failPuts: 2 });
    try {
      const { url, cli } = await startServe(cloudWatchEnv(flaky.endpoint));
      await curl('GET', `${url}/health`);
      const received = () => flaky.events().map((e) => JSON.parse(e.message));
      const deadline = Date.now() + 40_000;
      while (!received().some((e) => e.event === 'request') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 200));
      const events = received();
      expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['server_listening', 'request']));
      // The outage's warning is printed once, and reaches CloudWatch itself once delivery works.
      expect(events.find((e) => e.event === 'warning')?.message).toMatch(
        /^CloudWatch Logs: delivery to .* failed/,
      );
      const result = await cli.kill('SIGTERM');
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr.split('\n').filter((line) => line.includes('CloudWatch'))).toHaveLength(1);
    } finally {
      await flaky.close();
    }
  });
});
