/** The cost in a `$2b$12$…` hash (0 when it is not a bcrypt hash). */
export function hashCost(hash: string): number {
  const match = /^\$2[abxy]?\$(\d{2})\$/.exec(hash);
  return match ? Number(match[1]) : 0;
}
