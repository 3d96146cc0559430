"""Database credentials: a static password, or an AWS Secrets Manager secret."""
import json
import threading
import time


class CredentialError(RuntimeError):
    """The credentials could not be obtained."""


class StaticCredentials:
    def __init__(self, user, password):
        self._pair = (user, password)

    def get(self):
        return self._pair

    def invalidate(self):
        return False  # nothing to refetch


class SecretsManagerCredentials:
    """Reads a JSON secret with `username` and `password` keys (the shape of an
    RDS-managed master user secret). Cached; `invalidate()` after an
    authentication failure makes the next `get()` refetch (a rotated password)."""

    def __init__(self, secret_id, region, client=None, fallback_user=None, min_refetch_seconds=5.0):
        # at most one refetch per min_refetch_seconds: a wrong secret cannot hammer the API
        self.secret_id = secret_id
        self.region = region
        self._client = client
        self._fallback_user = fallback_user
        self._min_refetch = min_refetch_seconds
        self._pair = None
        self._invalidated_at = self._failed_at = float("-inf")
        self._error = None
        self._lock = threading.Lock()

    def _sm(self):
        if self._client is None:
            import boto3
            from botocore.config import Config

            self._client = boto3.client(
                "secretsmanager", region_name=self.region,
                config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 3}),
            )
        return self._client

    def get(self):
        with self._lock:
            if self._pair is None:
                if time.monotonic() - self._failed_at < self._min_refetch:
                    raise self._error  # do not call the API on every request while it fails
                try:
                    self._pair = self._fetch()
                except CredentialError as e:
                    self._failed_at, self._error = time.monotonic(), e
                    raise
            return self._pair

    def invalidate(self):
        """Drop the cached secret; False if a refetch happened too recently."""
        with self._lock:
            now = time.monotonic()
            if now - self._invalidated_at < self._min_refetch:
                return False
            self._pair, self._invalidated_at = None, now
            return True

    def _fetch(self):
        try:
            raw = self._sm().get_secret_value(SecretId=self.secret_id)["SecretString"]
        except Exception as e:  # botocore errors, network errors
            raise CredentialError(f"could not read secret {self.secret_id} in {self.region}: {e}") from e
        try:
            data = json.loads(raw)
        except ValueError:
            raise CredentialError(f"secret {self.secret_id} is not JSON") from None
        user = data.get("username") if isinstance(data, dict) else None
        password = data.get("password") if isinstance(data, dict) else None
        user = user or self._fallback_user
        if not isinstance(user, str) or not isinstance(password, str) or not password:
            raise CredentialError(f"secret {self.secret_id} must hold string 'username' and 'password' keys")
        return user, password
