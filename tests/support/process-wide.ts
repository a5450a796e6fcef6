/**
 * State that must be one per test process. Mocha requires what it can (the teardown fixture, most suites)
 * and imports the rest (a suite with an import that cannot be required), and each way loads its own
 * instance of a module; state kept here, on the process, is seen by both.
 */
export function processWide<State extends object>(name: string, create: () => State): State {
  const key = Symbol.for(`hcw.tests.${name}`);
  const slots = globalThis as { [key]?: State };
  return (slots[key] ??= create());
}
