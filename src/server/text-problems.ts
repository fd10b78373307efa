/**
 * Strings PostgreSQL cannot store or that were damaged on the way: a NUL character (a `text`
 * value cannot hold one), a lone UTF-16 surrogate (`"\udc00"` in JSON), or — when the bytes were
 * not valid UTF-8 — the replacement character the decoder put in their place. Each problem is
 * named by its field path (`body.email: contains a NUL character`).
 */
export function textProblems(value: unknown, path: string, damagedUtf8 = false): string[] {
  if (typeof value === 'string') {
    const problem = stringProblem(value, damagedUtf8);
    return problem ? [`${path}: ${problem}`] : [];
  }
  if (Array.isArray(value))
    return value.flatMap((item, i) => textProblems(item, `${path}.${i}`, damagedUtf8));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => {
      const keyProblem = stringProblem(key, damagedUtf8);
      const shown = keyProblem ? '(field name)' : key;
      return [
        ...(keyProblem ? [`${path}: a field name ${keyProblem}`] : []),
        ...textProblems(item, `${path}.${shown}`, damagedUtf8),
      ];
    });
  }
  return [];
}

function stringProblem(text: string, damagedUtf8: boolean): string | null {
  if (text.includes('\0')) return 'contains a NUL character';
  // With the u flag a valid pair is one code point: only a lone surrogate matches \p{Cs}.
  if (/\p{Cs}/u.test(text)) return 'is not valid Unicode (a lone surrogate)';
  if (damagedUtf8 && text.includes('\uFFFD')) return 'is not valid UTF-8';
  return null;
}
