/**
 * The first `k` of `items` in the order `before` gives (pure: no `vscode`), without sorting them all:
 * the gallery's first message needs the newest few dozen of thousands of images, and sorting every
 * one of them was a few ms of the first paint. Keeps a sorted list of at most `k` and places each
 * item that belongs in it by binary search: O(n log k) comparisons. Stable: equal items keep their
 * order in `items`.
 */
export function firstInOrder<T>(items: Iterable<T>, k: number, before: (a: T, b: T) => number): T[] {
  const top: T[] = [];
  if (k <= 0) return top;
  for (const item of items) {
    if (top.length === k && before(item, top[k - 1]) >= 0) continue;
    // The first place whose item comes after this one.
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(item, top[mid]) < 0) hi = mid;
      else lo = mid + 1;
    }
    top.splice(lo, 0, item);
    if (top.length > k) top.pop();
  }
  return top;
}
