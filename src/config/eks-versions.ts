/** EKS managed add-ons installed on every cluster (EKS add-on names). */
export const EKS_ADDONS = ["vpc-cni", "kube-proxy", "coredns", "eks-pod-identity-agent", "aws-ebs-csi-driver"] as const;
export type EksAddon = (typeof EKS_ADDONS)[number];

/** What this project knows about one Kubernetes minor version on EKS. */
export interface EksVersionInfo {
  /**
   * End of EKS standard support (14 months after the EKS release; after it,
   * extended support costs extra per cluster hour).
   */
  readonly standardSupportEnds: string;
  /**
   * Pinned add-on versions for this Kubernetes version, used where the
   * config says "default". Only versions AWS documents for this Kubernetes
   * version are listed; an add-on missing here is installed at EKS's default
   * version when it is created and never updated by a later plan (see
   * src/eks/cluster.ts, `lifecycle.ignore_changes`).
   */
  readonly addons: Readonly<Partial<Record<EksAddon, string>>>;
}

/**
 * Kubernetes minor versions this project deploys on EKS. Add a row when EKS
 * releases a version; the config rejects versions that are not here and
 * warns when the chosen one is past standard support.
 *
 * Sources (read for this table, the tables as AWS published them):
 * - standard support: the EKS Kubernetes version calendar,
 *   https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html
 * - kube-proxy: "kube-proxy versions", the latest Amazon EKS add-on type per
 *   Kubernetes version, https://docs.aws.amazon.com/eks/latest/userguide/managing-kube-proxy.html
 * - coredns: "CoreDNS versions", same kind of table,
 *   https://docs.aws.amazon.com/eks/latest/userguide/managing-coredns.html
 * The VPC CNI, Pod Identity agent and EBS CSI driver have no per-Kubernetes
 * version table in the EKS user guide (`aws eks describe-addon-versions
 * --addon-name <name> --kubernetes-version <v>` lists them per account and
 * region): they are left to EKS's default at creation, then frozen.
 */
export const EKS_VERSIONS: Readonly<Record<string, EksVersionInfo>> = {
  "1.33": { standardSupportEnds: "2026-07-29", addons: { "kube-proxy": "v1.33.10-eksbuild.13", coredns: "v1.12.4-eksbuild.18" } },
  "1.34": { standardSupportEnds: "2026-12-02", addons: { "kube-proxy": "v1.34.6-eksbuild.13", coredns: "v1.13.2-eksbuild.11" } },
  "1.35": { standardSupportEnds: "2027-03-27", addons: { "kube-proxy": "v1.35.3-eksbuild.13", coredns: "v1.14.3-eksbuild.3" } },
};

/**
 * How an add-on's version is chosen: an exact version pinned in the config
 * or in the table above ("pinned": Terraform keeps the add-on at it), or
 * EKS's default for the Kubernetes version, read when the add-on is created
 * ("frozen": a later plan never changes it, so a DR deploy cannot update an
 * add-on mid-incident).
 */
export type AddonVersionChoice = { readonly kind: "pinned"; readonly version: string; readonly source: "config" | "table" } | { readonly kind: "frozen" };

/** The version choice for one add-on from its config value ("default" or exact) and the Kubernetes version. */
export function addonVersionChoice(addon: EksAddon, configured: string, kubernetesVersion: string): AddonVersionChoice {
  if (configured !== "default") return { kind: "pinned", version: configured, source: "config" };
  const pinned = EKS_VERSIONS[kubernetesVersion]?.addons[addon];
  return pinned ? { kind: "pinned", version: pinned, source: "table" } : { kind: "frozen" };
}
