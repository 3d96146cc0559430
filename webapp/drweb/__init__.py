"""drweb: a small Flask notes service that shows multi-region DR behaviour."""
from .app import create_app
from .config import Config, ConfigError

__all__ = ["create_app", "Config", "ConfigError"]
