import { performance } from "node:perf_hooks";

/**
 * Sees the process being suspended (SIGSTOP, a laptop lid, a stalled
 * terminal): a timer every 250 ms on the monotonic clock; a gap of more than
 * a second beyond it is a suspension (or a blocked event loop: either way the
 * world may have moved on). `count` grows with each one.
 */
export function suspensionWatch() {
  let last = performance.now();
  let count = 0;
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    const gap = now - last - 250;
    if (gap > 1_000) {
      count++;
      longest = Math.max(longest, gap);
    }
    last = now;
  }, 250);
  timer.unref?.();
  return {
    get count() {
      return count;
    },
    get longestMs() {
      return longest;
    },
    stop: () => clearInterval(timer),
  };
}
