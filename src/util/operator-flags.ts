/**
 * True when the operator started Node with a flag matching `pattern` (on the command line or in
 * NODE_OPTIONS): the CLI's own V8 tuning then leaves that setting to them.
 */
export function operatorSetFlag(pattern: RegExp, env: NodeJS.ProcessEnv = process.env): boolean {
  return [...process.execArgv, env.NODE_OPTIONS ?? ''].some((arg) => pattern.test(arg));
}
