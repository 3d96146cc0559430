/**
 * Small, dependency-free IPv4 CIDR arithmetic used by config validation and
 * the network subnet plan. Computing subnets here (instead of Terraform's
 * cidrsubnet()) lets config errors surface at synth time with a clear message.
 */

export interface Cidr {
  /** Network address as an unsigned 32-bit integer. */
  readonly base: number;
  /** Prefix length, 0..32. */
  readonly prefix: number;
}

const CIDR_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses "a.b.c.d/n"; returns an error string instead of throwing. */
export function parseCidr(text: string): Cidr | string {
  const m = CIDR_RE.exec(text);
  if (!m) return `"${text}" is not an IPv4 CIDR block like 10.10.0.0/16`;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255)) return `"${text}" has an octet above 255`;
  if (prefix > 32) return `"${text}" has a prefix length above 32`;
  const addr = ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
  const base = prefix === 0 ? 0 : (addr & maskOf(prefix)) >>> 0;
  if (base !== addr) {
    return `"${text}" has host bits set; the network address is ${formatCidr({ base, prefix })}`;
  }
  return { base, prefix };
}

/** Like parseCidr but throws; for values that were already validated. */
export function mustParseCidr(text: string): Cidr {
  const c = parseCidr(text);
  if (typeof c === "string") throw new Error(c);
  return c;
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function formatCidr(c: Cidr): string {
  const b = c.base;
  return `${b >>> 24}.${(b >>> 16) & 255}.${(b >>> 8) & 255}.${b & 255}/${c.prefix}`;
}

/** Number of addresses in the block. */
export function sizeOf(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

/** True when the two blocks share at least one address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  const aEnd = a.base + sizeOf(a) - 1;
  const bEnd = b.base + sizeOf(b) - 1;
  return a.base <= bEnd && b.base <= aEnd;
}

/** Same contract as Terraform's cidrsubnet(prefix, newbits, netnum). */
export function subnet(parent: Cidr, newBits: number, netNum: number): Cidr {
  const prefix = parent.prefix + newBits;
  if (prefix > 32) throw new Error(`cannot add ${newBits} bits to /${parent.prefix}`);
  if (netNum < 0 || netNum >= 2 ** newBits) {
    throw new Error(`subnet number ${netNum} does not fit in ${newBits} new bits`);
  }
  return { base: parent.base + netNum * 2 ** (32 - prefix), prefix };
}
