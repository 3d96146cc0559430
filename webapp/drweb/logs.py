"""Structured logging: one JSON object per line on stdout."""
import json
import logging
import sys
import time

LOG = logging.getLogger("drweb")


class JsonFormatter(logging.Formatter):
    def format(self, record):
        out = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + ".%03dZ" % record.msecs,
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


class _Stdout(logging.StreamHandler):
    """Writes to whatever sys.stdout is at emit time."""

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _):
        pass


def setup(level="INFO"):
    if not any(isinstance(h, _Stdout) for h in LOG.handlers):
        h = _Stdout()
        h.setFormatter(JsonFormatter())
        LOG.addHandler(h)
    LOG.setLevel(level)
    LOG.propagate = False


def event(msg, level=logging.INFO, **fields):
    LOG.log(level, msg, extra={"fields": fields})
