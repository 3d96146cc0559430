/**
 * Which environment names mean production (a production environment keeps
 * secrets' recovery windows and gets the isolated backup copy by default).
 */

/** Environment names that mean production (a secret there keeps its recovery window). */
export const PRODUCTION_ENVIRONMENT_WORDS = ["prod", "production", "prd", "live"];

/** True when the environment's name says production (prod, production, prd, live as a word of it). */
export function isProductionEnvironment(environment: string): boolean {
  return environment.toLowerCase().split(/[-_.]+/).some((w) => PRODUCTION_ENVIRONMENT_WORDS.includes(w));
}
