// What every part of the browser test fails with: a TestFailure is a finding, reported by its
// message alone; anything else is a bug of the test, reported with its stack.
export class TestFailure extends Error {}

export function check(condition, message) {
  if (!condition) throw new TestFailure(message);
}
