import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globals: true,
    include: ["__tests__/**/*.test.ts"],
    setupFiles: ["__tests__/helpers/setup.ts"],
    // Synthesis and terraform validate are CPU-heavy; the machines have 2 cores.
    pool: "forks",
    maxWorkers: 2,
    // The files of a worker run in one process: cdktf and the providers'
    // bindings load once per worker instead of once per file, and synthApp
    // (helpers/synth.ts) synthesizes each config once per worker. Tests
    // leave process.env and global state as they found them.
    isolate: false,
    testTimeout: 60_000,
    hookTimeout: 300_000,
  },
});
