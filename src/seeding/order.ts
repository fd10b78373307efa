import { SeederDefinitionError, UsageError } from '../errors.js';

export interface Orderable {
  readonly name: string;
  readonly dependsOn: readonly string[];
}

/**
 * Orders seeders so each runs after what it depends on (Kahn's algorithm; ties keep the given
 * order). An unknown dependency or a cycle is an error before anything runs.
 */
export function orderSeeders<S extends Orderable>(seeders: readonly S[]): S[] {
  const byName = new Map(seeders.map((s) => [s.name, s]));
  for (const seeder of seeders) {
    for (const dependency of seeder.dependsOn) {
      if (!byName.has(dependency)) {
        throw new SeederDefinitionError(
          `${seeder.name} depends on ${dependency}, which is not a known seeder (known: ${[...byName.keys()].join(', ')}). Nothing was run.`,
        );
      }
    }
  }
  const ordered: S[] = [];
  const done = new Set<string>();
  while (ordered.length < seeders.length) {
    const next = seeders.find((s) => !done.has(s.name) && s.dependsOn.every((d) => done.has(d)));
    if (!next)
      throw new SeederDefinitionError(
        `Seeder dependency cycle: ${describeCycle(seeders, done)}. Nothing was run.`,
      );
    ordered.push(next);
    done.add(next.name);
  }
  return ordered;
}

/** `--only A,B`: those seeders plus everything they depend on, in dependency order. */
export function selectSeeders<S extends Orderable>(
  ordered: readonly S[],
  only: readonly string[] | undefined,
): S[] {
  if (!only || only.length === 0) return [...ordered];
  const byName = new Map(ordered.map((s) => [s.name, s]));
  const unknown = only.filter((name) => !byName.has(name));
  if (unknown.length > 0) {
    throw new UsageError(
      `--only names unknown seeder(s): ${unknown.join(', ')}. Known seeders: ${[...byName.keys()].join(', ')}. Nothing was run.`,
    );
  }
  const wanted = new Set<string>();
  const visit = (name: string): void => {
    if (wanted.has(name)) return;
    wanted.add(name);
    for (const dependency of byName.get(name)?.dependsOn ?? []) visit(dependency);
  };
  only.forEach(visit);
  return ordered.filter((s) => wanted.has(s.name));
}

function describeCycle(seeders: readonly Orderable[], done: ReadonlySet<string>): string {
  const pending = new Map(seeders.filter((s) => !done.has(s.name)).map((s) => [s.name, s]));
  // Walk unresolved dependencies from any pending seeder until a name repeats: that loop is the cycle.
  const path: string[] = [];
  let current = pending.values().next().value as Orderable;
  while (!path.includes(current.name)) {
    path.push(current.name);
    const nextName = current.dependsOn.find((d) => pending.has(d));
    current = pending.get(nextName as string) as Orderable;
  }
  return [...path.slice(path.indexOf(current.name)), current.name].join(' → ');
}

/** Rejects two seeders with the same name, naming where each came from. */
export function assertUniqueNames(seeders: readonly { name: string; source: string }[]): void {
  const seen = new Map<string, string>();
  for (const { name, source } of seeders) {
    const previous = seen.get(name);
    if (previous)
      throw new SeederDefinitionError(
        `Two seeders are named ${name}: ${previous} and ${source}. Rename one. Nothing was run.`,
      );
    seen.set(name, source);
  }
}
