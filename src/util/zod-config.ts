import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/**
 * Imported for its effect by every module that declares zod/mini schemas (config, backup format).
 * zod/mini's schemas are plain data checked by functions, not objects carrying sixty methods each:
 * building them costs a fraction, which every command pays at start-up. Only `serve` also loads
 * full zod, for its request schemas and OpenAPI document. Import zod/mini as a namespace where it
 * is used (`import * as z`): the bundle then keeps only what is used.
 */
// zod/mini carries no messages of its own: the English ones full zod has.
z.config(en());
// zod compiles a parser per object schema on its first parse; a command parses each schema once or
// twice, so compiling costs more than it saves.
z.config({ jitless: true });
