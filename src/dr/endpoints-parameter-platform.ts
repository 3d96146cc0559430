import type { RegionRole } from "../config";
import type { DbEndpoints } from "../database/endpoints-parameter";
import type { RestoreAttempt } from "./restore-platform";

/**
 * What the Aurora mode's `dr restore` move (and the Aurora failover's guard) need from the world: a region's database
 * endpoints parameter (src/database/endpoints-parameter.ts), read and overwritten in that region only. AWS: SSM
 * GetParameter / PutParameter (Overwrite true) in the region; local drill: a JSON file the drill's app instances read
 * at start (DRWEB_DRILL_PARAMETERS_FILE).
 */
export interface EndpointsParameterState {
  /** The parameter's name (endpointsParameterName). */
  readonly name: string;
  /** false: the region answered that there is no such parameter (ParameterNotFound). */
  readonly found: boolean;
  /** The parsed value; null when not found or not a valid value (detail says which). */
  readonly value: DbEndpoints | null;
  readonly detail: string;
}

export interface EndpointsParameterPlatform {
  /** The region's endpoints parameter. Throws only when the region does not answer (the caller's check says so). */
  endpointsParameter(region: RegionRole): Promise<EndpointsParameterState>;
  /**
   * Overwrite the region's endpoints parameter with `value` (SSM PutParameter, Overwrite true, Type String).
   * Idempotent: a parameter that already holds an equal value sends nothing (outcome "exists").
   */
  putEndpointsParameter(region: RegionRole, value: DbEndpoints): Promise<RestoreAttempt>;
}
