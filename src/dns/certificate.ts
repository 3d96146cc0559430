import { Construct } from "constructs";
import { Fn, Token, type TerraformProvider } from "cdktf";
import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";

/**
 * ACM DNS validation, with one owner for the validation record.
 *
 * ACM gives every certificate for the same name in the same account the
 * same validation CNAME, in every region (hashicorp/terraform-provider-aws
 * issue #13653: "The DNS validation record values are assigned by the ACM
 * API"; a second region's certificate asks for the record the first one
 * already has), and renews a DNS-validated certificate only while that
 * record stays in place (ACM User Guide, "Renewal for domains validated by
 * DNS"). So the record is one resource in one stack, the `dns-zone` stack:
 * - it exists before either regional stack validates its certificate
 *   (the regional stacks depend on it);
 * - it survives a primary-region outage and the destruction of either
 *   regional stack (its state is in the secondary region's bucket and it
 *   has nothing in the primary region);
 * - it learns the record from a certificate of its own, requested in the
 *   handoff region (a certificate in the primary region would make the stack
 *   unplannable while that region is down): ACM public certificates cost
 *   nothing and this one is renewed by the same record.
 * The regional stacks request their own certificates and wait for them with
 * aws_acm_certificate_validation given the record's FQDN (read from SSM):
 * the provider then checks the FQDN is the one the certificate needs and
 * fails at once if not, instead of waiting out its timeout.
 */

export interface RegionCertificateProps {
  /** The application's domain name. */
  readonly domainName: string;
  /**
   * FQDN of the validation record the dns-zone stack owns (certificateValidationParameter).
   * @default - the record this certificate's own domain_validation_options
   * ask for, without the final dot: the same record, since ACM gives every
   * certificate for the name the same one (above). Used while the handoff
   * region is unreachable (regions.secondary.unreachable): it reads nothing
   * there, but no longer checks that the dns-zone stack's record is the one
   * this certificate needs.
   */
  readonly validationRecordFqdn?: string;
}

/**
 * An ACM certificate for the domain in this stack's region (an ALB can use
 * only a certificate of its own region). `certificateArn` resolves only after
 * validation, so the HTTPS listener is never created with a pending
 * certificate. The validation record is not this stack's (see above).
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
    const validation = new AcmCertificateValidation(this, "Validation", {
      certificateArn: cert.arn,
      validationRecordFqdns: [props.validationRecordFqdn ?? ownValidationRecordFqdn(cert)],
    });
    this.certificateArn = validation.certificateArn;
  }
}

/**
 * The FQDN of the validation record a certificate's own
 * domain_validation_options ask for (one name, one option), in the form the
 * dns-zone stack's record reports as `fqdn` and hands over: lower case,
 * without the final dot ACM writes (hashicorp/terraform-provider-aws
 * internal/service/route53/record.go: `d.Set("fqdn", fqdn)` with the name
 * from expandRecordName, `strings.ToLower(strings.TrimSuffix(name, "."))`).
 * The value a deployed validation already holds (read from the dns-zone
 * stack's parameter) is then the same string, so switching between the two
 * sources plans no change. Had it differed, `validation_record_fqdns` is ForceNew
 * and the replacement is harmless: the provider's delete of
 * aws_acm_certificate_validation is a no-op and its create compares the
 * names with the final dot trimmed on both sides, then waits for an issued
 * certificate (hashicorp/terraform-provider-aws
 * internal/service/acm/certificate_validation.go: "ForceNew: true",
 * "DeleteWithoutTimeout: schema.NoopContext", strings.TrimSuffix(v, ".")).
 */
function ownValidationRecordFqdn(cert: AcmCertificate): string {
  const option = Fn.element(Fn.tolist(cert.domainValidationOptions), 0);
  return Fn.lower(Fn.trimsuffix(Token.asString(Fn.lookup(option, "resource_record_name")), "."));
}

export interface CertificateValidationRecordProps {
  /** The application's domain name. */
  readonly domainName: string;
  /** Hosted zone of the domain. */
  readonly zoneId: string;
  /** @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

/**
 * The one validation record of the domain (owned by the dns-zone stack),
 * derived from an anchor certificate for the same name.
 */
export class CertificateValidationRecord extends Construct {
  /** The record's FQDN (what aws_acm_certificate_validation takes). */
  readonly fqdn: string;

  constructor(scope: Construct, id: string, props: CertificateValidationRecordProps) {
    super(scope, id);
    const anchor = new AcmCertificate(this, "AnchorCertificate", {
      provider: props.provider,
      domainName: props.domainName,
      validationMethod: "DNS",
      keyAlgorithm: "EC_prime256v1",
      lifecycle: { createBeforeDestroy: true },
    });
    // One name, one validation option.
    const option = Fn.element(Fn.tolist(anchor.domainValidationOptions), 0);
    const record = new Route53Record(this, "Record", {
      provider: props.provider,
      zoneId: props.zoneId,
      name: Token.asString(Fn.lookup(option, "resource_record_name")),
      type: Token.asString(Fn.lookup(option, "resource_record_type")),
      records: [Token.asString(Fn.lookup(option, "resource_record_value"))],
      ttl: 300,
      // The regional stacks created this record before it had one owner:
      // the first apply takes it over (UPSERT) instead of failing on it.
      allowOverwrite: true,
    });
    this.fqdn = record.fqdn;
  }
}
