"""WSGI entry point for gunicorn: `gunicorn drweb.wsgi:app`."""
from .app import create_app

app = create_app()
