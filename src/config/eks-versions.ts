/**
 * Kubernetes minor versions this project deploys on EKS, with the end of
 * EKS standard support (14 months after the EKS release; after it, extended
 * support costs extra per cluster hour). Source: the EKS Kubernetes version
 * calendar (docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html).
 * Add a row when EKS releases a version; the config rejects versions that
 * are not here and warns when the chosen one is past standard support.
 */
export const EKS_VERSIONS: Readonly<Record<string, { readonly standardSupportEnds: string }>> = {
  "1.33": { standardSupportEnds: "2026-07-29" },
  "1.34": { standardSupportEnds: "2026-12-02" },
  "1.35": { standardSupportEnds: "2027-03-27" },
};

/** EKS managed add-ons installed on every cluster (EKS add-on names). */
export const EKS_ADDONS = ["vpc-cni", "kube-proxy", "coredns", "eks-pod-identity-agent", "aws-ebs-csi-driver"] as const;
export type EksAddon = (typeof EKS_ADDONS)[number];
