/** Orders strings by their UTF-16 code units: the same on every machine, and no ICU load (localeCompare's first call has one). */
export const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
