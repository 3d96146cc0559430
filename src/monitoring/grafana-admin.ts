import { Construct } from "constructs";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { generatedLogin } from "../security/generated-login";
import { GRAFANA_ADMIN_KEYS } from "./values";

/** Grafana's admin login name. */
export const GRAFANA_ADMIN_USER = "admin";

export interface GrafanaAdminProps {
  /** Secrets Manager name, e.g. drweb-prod-use2/grafana/admin. */
  readonly awsSecretName: string;
  /** Key encrypting the Secrets Manager secret (the region's key). */
  readonly kmsKeyArn: string;
  /** Namespace of the Kubernetes secret Grafana reads. */
  readonly namespace: string;
  /** Name of that Kubernetes secret. */
  readonly kubernetesSecretName: string;
  /** Bump to generate and write a new password (config grafana.adminPasswordVersion). */
  readonly passwordVersion: number;
  /** Days the Secrets Manager secret stays restorable once destroyed (7-30), or 0: deleted at once (config grafana.secretRecoveryWindowDays). */
  readonly recoveryWindowDays: number;
}

/**
 * The Grafana admin credentials. Secrets Manager generates the password as
 * an ephemeral value, and Terraform writes that one value through write-only
 * arguments into two places: the Kubernetes secret Grafana reads
 * (`data_wo`) and a Secrets Manager secret operators read it from
 * (`secret_string_wo`). It is in neither the code, the state nor a plan
 * (src/security/generated-login.ts, as the database credentials). Write-only values are sent
 * only when their version changes, so both places change together.
 */
export class GrafanaAdmin extends Construct {
  /** Name of the Secrets Manager secret. */
  readonly awsSecretName: string;
  /** ARN of the Secrets Manager secret. */
  readonly awsSecretArn: string;
  /** Name of the Kubernetes secret (for the chart's admin.existingSecret). */
  readonly kubernetesSecretName: string;
  /** The Kubernetes secret (the Helm release depends on it). */
  readonly kubernetesSecret: SecretV1;

  constructor(scope: Construct, id: string, props: GrafanaAdminProps) {
    super(scope, id);
    const { secret, password } = generatedLogin(this, {
      passwordName: "GrafanaAdminPassword",
      // Letters and digits only: typed or pasted into a login form.
      passwordRules: { exclude_punctuation: true, include_space: false, require_each_included_type: true },
      secret: {
        name: props.awsSecretName,
        description: "Grafana admin login of the drweb monitoring stack in this region",
        kmsKeyId: props.kmsKeyArn,
        recoveryWindowInDays: props.recoveryWindowDays,
      },
      username: GRAFANA_ADMIN_USER,
      version: props.passwordVersion,
    });
    this.kubernetesSecret = new SecretV1(this, "KubernetesSecret", {
      metadata: { name: props.kubernetesSecretName, namespace: props.namespace, labels: { "app.kubernetes.io/part-of": "drweb-monitoring" } },
      type: "Opaque",
      dataWo: { [GRAFANA_ADMIN_KEYS.user]: GRAFANA_ADMIN_USER, [GRAFANA_ADMIN_KEYS.password]: `\${${password}}` },
      dataWoRevision: props.passwordVersion,
    });
    this.awsSecretName = props.awsSecretName;
    this.awsSecretArn = secret.arn;
    this.kubernetesSecretName = props.kubernetesSecretName;
  }
}
