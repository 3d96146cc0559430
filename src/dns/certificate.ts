import { Construct } from "constructs";
import { Fn, Token } from "cdktf";
import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";

export interface RegionCertificateProps {
  /** The application's domain name. */
  readonly domainName: string;
  /** Hosted zone that holds the validation record. */
  readonly zoneId: string;
}

/**
 * An ACM certificate for the domain in this stack's region (an ALB can use
 * only a certificate of its own region), validated through the hosted zone.
 * `certificateArn` resolves only after validation, so the HTTPS listener is
 * never created with a pending certificate.
 *
 * Both regions' certificates for the same name share one validation record
 * (ACM derives it from account and name), so each stack writes it with
 * allow_overwrite; it stays valid for both.
 */
export class RegionCertificate extends Construct {
  /** ARN of the validated certificate. */
  readonly certificateArn: string;

  constructor(scope: Construct, id: string, props: RegionCertificateProps) {
    super(scope, id);
    const cert = new AcmCertificate(this, "Certificate", {
      domainName: props.domainName,
      validationMethod: "DNS",
      keyAlgorithm: "EC_prime256v1",
      lifecycle: { createBeforeDestroy: true },
    });
    // One name, one validation option.
    const option = Fn.element(Fn.tolist(cert.domainValidationOptions), 0);
    const record = new Route53Record(this, "ValidationRecord", {
      zoneId: props.zoneId,
      name: Token.asString(Fn.lookup(option, "resource_record_name")),
      type: Token.asString(Fn.lookup(option, "resource_record_type")),
      records: [Token.asString(Fn.lookup(option, "resource_record_value"))],
      ttl: 300,
      allowOverwrite: true,
    });
    const validation = new AcmCertificateValidation(this, "Validation", {
      certificateArn: cert.arn,
      validationRecordFqdns: [record.fqdn],
    });
    this.certificateArn = validation.certificateArn;
  }
}
