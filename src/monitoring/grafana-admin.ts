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
 * an ephemeral value, written first into a Secrets Manager secret operators
 * read it from (`secret_string_wo`), then into the Kubernetes secret Grafana
 * reads (`data_wo`) as read back from that secret version: the same path as
 * the database password (src/security/generated-login.ts storedPassword).
 * It is in neither the code, the state nor a plan.
 *
 * Why the read-back and not the generated value: an ephemeral
 * aws_secretsmanager_random_password is generated anew at every run. If one
 * of the two writes fails (the Kubernetes API unreachable, say) after the
 * other succeeded, the retried apply generates another password and writes
 * it only where the version still differs: the two would disagree for good
 * (issue 23). Read back from the secret version, the Kubernetes secret waits
 * for that write (the read names its version_id) and a retry writes the
 * password the secret holds. The monitoring stacks use the kubernetes and
 * helm providers, which the offline plan's mirror does not hold, so this is
 * checked on the synthesized JSON (__tests__/monitoring/monitoring-stack.test.ts).
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
    const { secret, storedPassword } = generatedLogin(this, {
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
      dataWo: { [GRAFANA_ADMIN_KEYS.user]: GRAFANA_ADMIN_USER, [GRAFANA_ADMIN_KEYS.password]: `\${${storedPassword}}` },
      dataWoRevision: props.passwordVersion,
    });
    this.awsSecretName = props.awsSecretName;
    this.awsSecretArn = secret.arn;
    this.kubernetesSecretName = props.kubernetesSecretName;
  }
}
