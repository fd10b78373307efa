import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { serverVersion } from './databases.js';

/** What the figures were measured on (they are ratios because these machines are shared). */
export interface MachineInfo {
  cores: number;
  cpu_model: string;
  memory_bytes: number;
  os: string;
  node: string;
  postgres_server: string;
  pg_dump: string;
  pg_restore: string;
  psql: string;
}

export async function machineInfo(url: string): Promise<MachineInfo> {
  return {
    cores: os.availableParallelism(),
    cpu_model: os.cpus()[0]?.model.trim() ?? 'unknown',
    memory_bytes: os.totalmem(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres_server: await serverVersion(url),
    pg_dump: toolVersion('pg_dump'),
    pg_restore: toolVersion('pg_restore'),
    psql: toolVersion('psql'),
  };
}

function toolVersion(tool: string): string {
  try {
    return execFileSync(tool, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'not found';
  }
}

/** PostgreSQL's client tools refuse (or misbehave) across major versions: say so up front. */
export function toolProblems(machine: MachineInfo): string[] {
  const serverMajor = /^(\d+)/.exec(machine.postgres_server)?.[1];
  const problems: string[] = [];
  for (const tool of ['pg_dump', 'pg_restore', 'psql'] as const) {
    const version = machine[tool];
    if (version === 'not found')
      problems.push(`${tool} is not on PATH: install the PostgreSQL ${serverMajor ?? ''} client tools.`);
    else if (serverMajor && !new RegExp(`\\) ${serverMajor}\\.`).test(version))
      problems.push(
        `${tool} is "${version}" but the server is ${machine.postgres_server}: put the client tools of the server's major version first on PATH.`,
      );
  }
  return problems;
}
