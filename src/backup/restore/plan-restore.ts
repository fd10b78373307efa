import type { BackupManifest, BackupMetadata } from '../format.js';
import { printable } from '../printable.js';
import type { LiveSchema, LiveSequence, LiveTable } from './live-schema.js';

export interface TablePlan {
  name: string;
  /** Live relation id: every statement names the table through the live catalog's spelling. */
  oid: string;
  kind: 'r' | 'p';
  /** The backup's columns, in the order its rows are loaded (the COPY column list). */
  columns: string[];
  rows: number;
}

export interface SequencePlan {
  oid: string;
  name: string;
  lastValue: string;
  isCalled: boolean;
}

/** A validated restore: what to load where, and what the operator should be told. */
export interface RestorePlan {
  tables: TablePlan[];
  sequences: SequencePlan[];
  warnings: string[];
}

/** Why a backup cannot be restored into the live schema: every problem, one per entry. */
export class PlanProblems extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    const shown = problems.slice(0, 8).join('; ');
    super(problems.length > 8 ? `${shown}; and ${problems.length - 8} more` : shown);
    this.problems = problems;
  }
}

export interface PlanInput {
  key: string;
  manifest: BackupManifest;
  metadata: BackupMetadata;
  live: LiveSchema;
  /** The tool's own tables: never restored. */
  toolTables: readonly string[];
}

/**
 * Checks a backup's manifest and metadata against the live schema before anything is written,
 * reporting every problem at once: each table and column must exist; a live NOT NULL column
 * without a default that the backup lacks is refused by name; other live columns the backup
 * lacks take their defaults, and the warnings say so.
 */
export function planRestore(input: PlanInput): RestorePlan {
  const { manifest, metadata, live } = input;
  const problems: string[] = [];
  const warnings: string[] = [];
  if (manifest.key !== input.key)
    problems.push(`its manifest describes "${printable(manifest.key)}", not this object`);
  if (manifest.execution_id !== metadata.execution_id)
    problems.push(
      `manifest and metadata disagree on the execution id (${manifest.execution_id} vs ${metadata.execution_id})`,
    );
  const declared = new Set(metadata.tables.map((t) => t.name));
  for (const name of Object.keys(manifest.tables))
    if (!declared.has(name))
      problems.push(`the manifest lists table "${printable(name)}", which the metadata does not declare`);

  const tables: TablePlan[] = [];
  for (const table of metadata.tables) {
    const rows = manifest.tables[table.name];
    if (rows === undefined)
      problems.push(
        `the metadata declares table "${printable(table.name)}", which the manifest does not list`,
      );
    const plan = planTable(table, live, metadata.schema, input.toolTables, problems, warnings);
    if (plan) tables.push({ ...plan, rows: rows ?? 0 });
  }
  const sequences = metadata.sequences.flatMap((sequence) =>
    planSequence(sequence, live.sequences, problems),
  );
  if (problems.length > 0) throw new PlanProblems(problems);

  if (metadata.schema !== live.schema)
    warnings.push(
      `the backup was taken from schema "${printable(metadata.schema)}" and is restored into schema "${live.schema}"`,
    );
  const restored = new Set(tables.map((t) => t.name));
  const untouched = [...live.tables.values()]
    .filter((t) => !t.isPartition && !restored.has(t.name) && !input.toolTables.includes(t.name))
    .map((t) => t.name);
  if (untouched.length > 0)
    warnings.push(`tables not in the backup are left as they are: ${untouched.join(', ')}`);
  return { tables, sequences, warnings };
}

function planTable(
  table: BackupMetadata['tables'][number],
  live: LiveSchema,
  backupSchema: string,
  toolTables: readonly string[],
  problems: string[],
  warnings: string[],
): Omit<TablePlan, 'rows'> | null {
  const name = printable(table.name);
  if (toolTables.includes(table.name)) {
    problems.push(`table "${name}" is one of foodfleet-seed's own tables, which are never restored`);
    return null;
  }
  const liveTable: LiveTable | undefined = live.tables.get(table.name);
  if (!liveTable) {
    problems.push(`table "${name}" does not exist in schema "${live.schema}"`);
    return null;
  }
  if (liveTable.isPartition) {
    problems.push(`table "${name}" is a partition; backups hold partitioned tables through their parent`);
    return null;
  }
  const liveColumns = new Map(liveTable.columns.map((c) => [c.name, c]));
  const before = problems.length;
  for (const column of table.columns) {
    const liveColumn = liveColumns.get(column.name);
    if (!liveColumn)
      problems.push(`column "${name}"."${printable(column.name)}" does not exist in the live table`);
    else if (liveColumn.generated)
      problems.push(
        `column "${name}"."${printable(column.name)}" is a generated column now; it cannot take restored values`,
      );
    else if (!sameType(liveColumn.type, column.type, [live.schema, backupSchema])) {
      warnings.push(
        `column "${name}"."${column.name}" was ${column.type} when the backup was taken and is ${liveColumn.type} now; its values are loaded as ${liveColumn.type}`,
      );
    }
  }
  const inBackup = new Set(table.columns.map((c) => c.name));
  for (const column of liveTable.columns) {
    if (inBackup.has(column.name) || column.generated) continue;
    if (column.notNull && !column.hasDefault) {
      problems.push(
        `column "${name}"."${column.name}" is NOT NULL without a default and the backup has no values for it (added since the backup?)`,
      );
    } else {
      warnings.push(
        `column "${name}"."${column.name}" is not in the backup: restored rows take its default${column.hasDefault ? '' : ' (NULL)'}`,
      );
    }
  }
  if (problems.length > before) return null;
  return {
    name: table.name,
    oid: liveTable.oid,
    kind: liveTable.kind,
    columns: table.columns.map((c) => c.name),
  };
}

function planSequence(
  sequence: BackupMetadata['sequences'][number],
  live: readonly LiveSequence[],
  problems: string[],
): SequencePlan[] {
  // By name: a sequence may serve a column through its default without being owned by it.
  const match = live.find((s) => s.name === unqualified(sequence.name));
  const label = printable(sequence.name);
  if (!match) {
    problems.push(
      `sequence "${label}"${sequence.table ? ` (of "${printable(sequence.table)}"."${printable(sequence.column ?? '')}")` : ''} does not exist in the live schema`,
    );
    return [];
  }
  const value = BigInt(sequence.last_value);
  if (value < match.min || value > match.max) {
    problems.push(
      `sequence "${label}" was at ${sequence.last_value}, outside its live bounds ${match.min}..${match.max}`,
    );
    return [];
  }
  return [{ oid: match.oid, name: match.name, lastValue: sequence.last_value, isCalled: sequence.is_called }];
}

/**
 * `format_type` qualifies a type with its schema only when that schema is not on the session's
 * search_path, so `public.mpaa_rating` and `mpaa_rating` are the same type here.
 */
function sameType(a: string, b: string, schemas: readonly string[]): boolean {
  const strip = (type: string) => {
    for (const schema of schemas) {
      for (const prefix of [`${schema}.`, `"${schema.replace(/"/g, '""')}".`])
        if (type.startsWith(prefix)) return type.slice(prefix.length);
    }
    return type;
  };
  return strip(a) === strip(b);
}

/** The relation name of `regclass` text (`public.foo_id_seq`, `"Odd.Name"`), unquoted. */
function unqualified(name: string): string {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < name.length; i++) {
    const c = name[i] as string;
    if (quoted) {
      if (c === '"' && name[i + 1] === '"') {
        current += '"';
        i++;
      } else if (c === '"') quoted = false;
      else current += c;
    } else if (c === '"') quoted = true;
    else if (c === '.') {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts[parts.length - 1] ?? name;
}
