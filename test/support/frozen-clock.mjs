// Loaded into a CLI process with `node --import` (NODE_OPTIONS) by frozenClockEnv(): stops the
// wall clock at FOODFLEET_TEST_FROZEN_CLOCK so that two processes take their backups "in the same
// second" — the only way to force that through the CLI, which has no clock option of its own.
// Timers are unaffected (they do not read Date).
const frozenAt = Date.parse(process.env.FOODFLEET_TEST_FROZEN_CLOCK ?? '');
if (!Number.isNaN(frozenAt)) {
  const RealDate = Date;
  class FrozenDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(frozenAt);
      else super(...args);
    }
    static now() {
      return frozenAt;
    }
  }
  globalThis.Date = FrozenDate;
}
