/**
 * The web app's Python dependencies as wheels for the instances, so a launch
 * (a scale-out, a replacement, a failover) installs offline and verified:
 * `pip install --no-index --require-hashes` from this archive (deploy/install.sh),
 * never from PyPI.
 *
 * The target: CPython 3.11 on x86_64 Linux. AL2023's system python3 is 3.9
 * "for the life of AL2023" and newer Pythons (3.11, 3.12, ...) are separate,
 * namespaced packages (AL2023 User Guide, "Python in AL2023"); the pinned
 * requirements need 3.10 or later (click, gunicorn, boto3, psycopg declare
 * Requires-Python >= 3.10), so install.sh installs python3.11 with dnf. The
 * architecture follows web.amiSsmParameter (the x86_64 AL2023 image by
 * default; the config refuses an arm64 one while the wheels are x86_64).
 */
export const WHEEL_TARGET = {
  pythonVersion: "3.11",
  abi: "cp311",
  /** pip --platform values accepted, newest policy last (glibc 2.17 .. 2.28; AL2023 has 2.34). */
  platforms: ["manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64"],
  architecture: "x86_64",
} as const;
