import { formatCidr, mustParseCidr, overlaps, parseCidr, subnet } from "../../src/lib/cidr";

describe("cidr", () => {
  it("parses and formats", () => {
    expect(formatCidr(mustParseCidr("10.20.0.0/16"))).toBe("10.20.0.0/16");
    expect(parseCidr("10.20.0.0/33")).toMatch(/prefix length above 32/);
    expect(parseCidr("10.300.0.0/16")).toMatch(/octet above 255/);
    expect(parseCidr("banana")).toMatch(/not an IPv4 CIDR/);
  });

  it("computes subnets like Terraform's cidrsubnet", () => {
    const vpc = mustParseCidr("10.10.0.0/16");
    expect(formatCidr(subnet(vpc, 4, 0))).toBe("10.10.0.0/20");
    expect(formatCidr(subnet(vpc, 4, 5))).toBe("10.10.80.0/20");
    expect(formatCidr(subnet(mustParseCidr("192.168.0.0/24"), 4, 15))).toBe("192.168.0.240/28");
    expect(() => subnet(vpc, 4, 16)).toThrow(/does not fit/);
  });

  it("detects overlap and adjacency correctly", () => {
    expect(overlaps(mustParseCidr("10.10.0.0/16"), mustParseCidr("10.10.255.0/24"))).toBe(true);
    expect(overlaps(mustParseCidr("10.10.0.0/16"), mustParseCidr("10.11.0.0/16"))).toBe(false);
    expect(overlaps(mustParseCidr("0.0.0.0/0"), mustParseCidr("255.255.255.255/32"))).toBe(true);
  });
});
