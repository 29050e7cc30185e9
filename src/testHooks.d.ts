/**
 * `true` in the development build that the tests run, `false` in the production build that ships
 * (esbuild.js `define`); undefined where tsc compiles src/ for the unit tests. Code behind
 * `typeof GROK_TEST_HOOKS !== "undefined" && GROK_TEST_HOOKS` is therefore removed from the .vsix,
 * and test/unit/bundle.test.ts fails if any of it is left there.
 */
declare const GROK_TEST_HOOKS: boolean;
