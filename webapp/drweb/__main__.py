"""`python -m drweb` runs a single-process server (metrics on their own port);
`python -m drweb --check-config` only validates the environment."""
import sys

from . import metrics
from .app import create_app
from .config import Config, ConfigError


def main(argv):
    try:
        cfg = Config.from_env()
    except ConfigError as e:
        print(f"drweb: configuration error: {e}", file=sys.stderr)
        return 2
    if "--check-config" in argv:
        print(f"drweb: configuration ok (region {cfg.region}, writer {cfg.writer_host}, auth {cfg.db_auth})")
        return 0
    app = create_app(cfg)
    metrics.serve(cfg.metrics_port)
    app.run(host="0.0.0.0", port=cfg.port, threaded=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
