"""`python -m drweb` runs a single-process server (metrics on their own port), for
local use; production runs gunicorn (deploy/gunicorn.conf.py).
`python -m drweb --check-config` only validates the environment."""
import os
import sys

from . import metrics
from .app import create_app
from .config import Config, ConfigError


USAGE = "usage: python -m drweb [--check-config]  (configuration: environment variables, see README.md)"


def main(argv):
    if argv in (["-h"], ["--help"]):
        print(USAGE)
        return 0
    unknown = [a for a in argv if a != "--check-config"]
    if unknown:
        print(f"drweb: unknown argument {unknown[0]!r}\n{USAGE}", file=sys.stderr)
        return 2
    try:
        cfg = Config.from_env()
    except ConfigError as e:
        print(f"drweb: configuration error: {e}", file=sys.stderr)
        return 2
    if "--check-config" in argv:
        print(f"drweb: configuration ok (region {cfg.region}, writer {cfg.writer_host}, auth {cfg.db_auth})")
        return 0
    app = create_app(cfg)
    # the same listen addresses as under gunicorn (deploy/gunicorn.conf.py)
    metrics.serve(cfg.metrics_port, os.environ.get("DRWEB_METRICS_ADDR", "0.0.0.0"))
    app.run(host=os.environ.get("DRWEB_BIND_ADDR", "0.0.0.0"), port=cfg.port, threaded=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
