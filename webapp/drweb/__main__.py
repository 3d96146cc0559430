"""`python -m drweb` runs a single-process server (metrics on their own port), for
local use; production runs gunicorn (deploy/gunicorn.conf.py).
`python -m drweb --check-config` only validates the environment, and also refuses
DB_* / DRWEB_* variables that drweb does not read (a misspelt or renamed variable would
otherwise be ignored): deploy/install.sh runs it before it starts the service."""
import os
import sys

from . import endpoints, metrics, role_metric
from .app import create_app
from .config import Config, ConfigError, unknown_variables


USAGE = "usage: python -m drweb [--check-config]  (configuration: environment variables, see README.md)"


def main(argv):
    if argv in (["-h"], ["--help"]):
        print(USAGE)
        return 0
    unknown = [a for a in argv if a != "--check-config"]
    if unknown:
        print(f"drweb: unknown argument {unknown[0]!r}\n{USAGE}", file=sys.stderr)
        return 2
    check = "--check-config" in argv
    problems, cfg = [], None
    try:
        cfg = Config.from_env()
    except ConfigError as e:
        problems.extend(e.problems)
    if check:  # all problems at once, the unknown variables too
        problems.extend(f"{k} is set but drweb does not read it (misspelt, or renamed?). Fix: remove it, or use the "
                        "variable README.md names" for k in unknown_variables(os.environ))
    if problems:
        print(f"drweb: configuration error: {ConfigError(problems)}", file=sys.stderr)
        return 2
    if check:
        where = (f"endpoints from parameter {cfg.endpoints_parameter} (read when the app starts)" if cfg.endpoints_parameter
                 else f"writer {cfg.writer_host}, reader {cfg.reader_host}")
        print(f"drweb: configuration ok (region {cfg.region}, {where}, engine {cfg.db_engine}, auth {cfg.db_auth})")
        return 0
    try:  # before anything listens: an instance without its endpoints never serves (fail closed)
        cfg = endpoints.for_process(cfg, fresh=True)
    except endpoints.EndpointsUnavailable as e:
        print(f"drweb: {e}", file=sys.stderr)
        return 1
    app = create_app(cfg)
    # the same listen addresses as under gunicorn (deploy/gunicorn.conf.py)
    metrics.serve(cfg.metrics_port, os.environ.get("DRWEB_METRICS_ADDR", "0.0.0.0"))
    role_metric.start_from_config(cfg)
    app.run(host=os.environ.get("DRWEB_BIND_ADDR", "0.0.0.0"), port=cfg.port, threaded=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
