import { block, isTrue } from "../context";
import { COMPLIANT, fail, type ResourceRule } from "../types";

/** TLS 1.2+ ELB policies (AWS names: ELBSecurityPolicy-TLS13-*, -TLS-1-2-*, FS-1-2-*). */
export const TLS12_POLICY = /^ELBSecurityPolicy-(TLS13-1-[23]-|TLS-1-2-|FS-1-2-)/;

/** Load balancers: header hygiene, modern TLS, HTTP redirected when HTTPS exists, access logs, deletion protection. */
export const albHardened: ResourceRule = {
  kind: "resource",
  id: "alb-hardened",
  description: "ALBs drop invalid headers, log access, are deletion-protected, use a TLS 1.2+ policy and redirect HTTP to HTTPS when they have a certificate",
  fix: "set drop_invalid_header_fields, access_logs.enabled, enable_deletion_protection (web.albDeletionProtection); HTTPS listeners with an ELBSecurityPolicy-TLS13-* policy; HTTP listeners redirecting to 443",
  resourceTypes: ["aws_lb"],
  check(r, ctx) {
    if (!isTrue(r.config.drop_invalid_header_fields)) return fail("does not drop invalid header fields");
    if (!isTrue(block(r.config.access_logs)?.enabled)) return fail("access logs are off");
    if (!isTrue(r.config.enable_deletion_protection)) return fail("deletion protection is off (web.albDeletionProtection)");
    const listeners = ctx.resources("aws_lb_listener", r.stack).filter((l) => ctx.deref(r.stack, l.config.load_balancer_arn)?.address === r.address);
    const https = listeners.filter((l) => l.config.protocol === "HTTPS");
    for (const l of https) if (!TLS12_POLICY.test(l.config.ssl_policy ?? "")) return fail(`listener ${l.config.port} uses ${l.config.ssl_policy ?? "the default policy"}, not a TLS 1.2+ policy`);
    if (https.length) {
      for (const l of listeners.filter((x) => x.config.protocol === "HTTP")) {
        const action = block(l.config.default_action) ?? {};
        if (action.type !== "redirect" || block(action.redirect)?.protocol !== "HTTPS") return fail(`HTTP listener ${l.config.port} serves traffic instead of redirecting to HTTPS`);
      }
    }
    return COMPLIANT;
  },
};
