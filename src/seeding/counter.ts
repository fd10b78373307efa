/** Counts a seeder's own entities; an entity touched twice in one run counts once. */
export class Counter {
  #created = new Set<string>();
  #updated = new Set<string>();
  #deleted = new Set<string>();
  #anonymous = { created: 0, updated: 0, deleted: 0 };

  /** Records an entity identified by `key` (e.g. `roles:5`). */
  mark(kind: 'created' | 'updated' | 'deleted', key: string): void {
    if (kind === 'updated' && this.#created.has(key)) return;
    if (kind === 'created') this.#updated.delete(key);
    this.#setFor(kind).add(key);
  }

  /** Adds counts of entities that need no identity (bulk helpers). */
  add(kind: 'created' | 'updated' | 'deleted', count: number): void {
    this.#anonymous[kind] += count;
  }

  totals(): { created: number; updated: number; deleted: number } {
    return {
      created: this.#created.size + this.#anonymous.created,
      updated: this.#updated.size + this.#anonymous.updated,
      deleted: this.#deleted.size + this.#anonymous.deleted,
    };
  }

  #setFor(kind: 'created' | 'updated' | 'deleted'): Set<string> {
    return kind === 'created' ? this.#created : kind === 'updated' ? this.#updated : this.#deleted;
  }
}
