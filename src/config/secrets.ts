import type { Config } from './schema.js';

const MASK = '****';

/** `postgres://user:secret@host/db` → `postgres://user:****@host/db`. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = MASK;
    return parsed.toString();
  } catch {
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, `$1${MASK}@`);
  }
}

/** The secret values a run knows about; every printed message is passed through `redact`. */
export function collectSecrets(config: Config, env: NodeJS.ProcessEnv): string[] {
  const secrets = [
    passwordOf(config.database.url),
    config.superadmin.password,
    config.server.tokenSecret,
    env.AWS_SECRET_ACCESS_KEY,
    env.AWS_SESSION_TOKEN,
    env.SEED_SUPERADMIN_PASSWORD,
    env.SEED_TOKEN_SECRET,
    passwordOf(env.DATABASE_URL),
  ];
  // Very short values would mask ordinary words; they are refused as secrets by validation anyway.
  return [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4))];
}

function passwordOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const password = new URL(url).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}

/** A function that masks known secrets and any URL credentials in a text. */
export type Redactor = (text: string) => string;

export function createRedactor(secrets: readonly string[]): Redactor {
  const sorted = [...secrets].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]+@/gi, `$1${MASK}@`);
    for (const secret of sorted) {
      out = out.split(secret).join(MASK);
      const encoded = encodeURIComponent(secret);
      if (encoded !== secret) out = out.split(encoded).join(MASK);
    }
    return out;
  };
}
