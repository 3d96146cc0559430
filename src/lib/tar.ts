/**
 * Minimal, deterministic POSIX ustar writer and reader for small text
 * bundles (the web app shipped in user data). Entries carry mtime 0 and
 * uid/gid 0, so the same files always give the same bytes.
 */

export interface TarEntry {
  readonly path: string;
  readonly content: Buffer;
  /** Octal permissions, e.g. "0644". */
  readonly permissions: string;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, "0") + "\0";
}

function header(e: TarEntry): Buffer {
  if (Buffer.byteLength(e.path) > 100) throw new Error(`tar: path longer than 100 bytes: ${e.path}`);
  const h = Buffer.alloc(512, 0);
  h.write(e.path, 0, "utf8");
  h.write(octal(parseInt(e.permissions, 8), 8), 100);
  h.write(octal(0, 8), 108); // uid
  h.write(octal(0, 8), 116); // gid
  h.write(octal(e.content.length, 12), 124);
  h.write(octal(0, 12), 136); // mtime
  h.write("        ", 148); // checksum placeholder
  h.write("0", 156); // regular file
  h.write("ustar\0", 257);
  h.write("00", 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + " ", 148);
  return h;
}

/** Serializes entries (in the given order) into an uncompressed tar archive. */
export function createTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(header(e), e.content, Buffer.alloc((512 - (e.content.length % 512)) % 512, 0));
  }
  parts.push(Buffer.alloc(1024, 0));
  return Buffer.concat(parts);
}

/** Reads a tar archive written by createTar (regular files only). */
export function readTar(tar: Buffer): TarEntry[] {
  const out: TarEntry[] = [];
  for (let off = 0; off + 512 <= tar.length; ) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const path = h.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
    const size = parseInt(h.subarray(124, 136).toString("utf8").replace(/\0.*$/s, ""), 8);
    const mode = parseInt(h.subarray(100, 108).toString("utf8").replace(/\0.*$/s, ""), 8);
    out.push({ path, content: Buffer.from(tar.subarray(off + 512, off + 512 + size)), permissions: "0" + mode.toString(8) });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}
