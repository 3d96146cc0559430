/**
 * Resource naming. Names carry project, environment and a short region code
 * so that global names (IAM roles) never collide between the two regions.
 * Construct ids never use these: a construct id is a Terraform address.
 */
export class Naming {
  /** e.g. "drweb-prod" */
  readonly base: string;
  /** e.g. "drweb-prod-use2" */
  readonly regional: string;

  constructor(project: string, environment: string, region: string) {
    this.base = `${project}-${environment}`;
    this.regional = `${this.base}-${regionCode(region)}`;
  }

  /** Regional name for a component, e.g. name("web") -> "drweb-prod-use2-web". */
  name(component: string): string {
    return `${this.regional}-${component}`;
  }
}

/** us-east-2 -> use2, ap-southeast-1 -> apse1. */
export function regionCode(region: string): string {
  const [geo, dir, num] = region.split("-");
  const d = dir
    .replace("northeast", "ne")
    .replace("southeast", "se")
    .replace("northwest", "nw")
    .replace("southwest", "sw")
    .replace("central", "c")
    .replace(/^(north|south|east|west)$/, (m) => m[0]);
  return `${geo}${d}${num}`;
}
