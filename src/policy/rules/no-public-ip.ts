import { block, isTrue } from "../context";
import { COMPLIANT, fail, type ResourceRule } from "../types";

/** Nothing but the load balancer is public: no instance gets a public address. */
export const noPublicIp: ResourceRule = {
  kind: "resource",
  id: "no-public-ip",
  description: "No instance gets a public IP address (launch templates, instances, subnets that auto-assign)",
  fix: "set associate_public_ip_address = false (network interface) and map_public_ip_on_launch = false (subnets)",
  resourceTypes: ["aws_launch_template", "aws_instance", "aws_subnet"],
  check(r) {
    if (r.type === "aws_subnet") return isTrue(r.config.map_public_ip_on_launch) ? fail("the subnet assigns public IPs on launch") : COMPLIANT;
    if (r.type === "aws_instance") return isTrue(r.config.associate_public_ip_address) ? fail("the instance has a public IP") : COMPLIANT;
    const nics = (r.config.network_interfaces ?? []) as any[];
    return nics.some((n) => isTrue(block(n)?.associate_public_ip_address)) ? fail("a network interface gets a public IP") : COMPLIANT;
  },
};
