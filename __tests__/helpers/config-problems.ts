import { expect } from "vitest";
import { ConfigError, resolveConfig } from "../../src/config";

/** Resolves overrides (the "test" environment) and returns the ConfigError's problems; fails if none is thrown. */
export function configProblems(overrides: unknown): Array<{ field: string; message: string }> {
  try {
    resolveConfig(overrides, "test");
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).problems];
  }
  throw new Error("expected a ConfigError");
}
