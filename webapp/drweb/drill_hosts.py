"""DRWEB_DRILL_HOSTS_FILE: the local drill's stand-in for the DNS of Aurora's endpoints.

Drill only (scripts/drill/, Aurora mode): production never sets it and resolves with
socket.getaddrinfo (drweb.db.resolve). The drill has no DNS for names such as
drweb-...-cluster.cluster-xyz.us-east-2.rds.amazonaws.com, so it writes a small JSON file
that maps each endpoint name to its addresses, and rewrites it (atomically, by rename)
when a switchover or failover "moves" the endpoints, as Aurora does: a member cluster's
cluster (writer) endpoint resolves only while it is the global primary; a secondary's
has no DNS name ("All secondary Regions also have writer endpoints, but they're
inactive", AWS Database Blog, "Automate Amazon Aurora Global Database endpoint
management"). The file is read again whenever it changes (its mtime or size).

Format: {"names": {"<host name>": ["127.0.0.1"], "<inactive name>": null}}. A name that
is absent or null does not exist (socket.gaierror EAI_NONAME, what glibc answers for
NXDOMAIN); a file that cannot be read or parsed is a resolver that does not answer
(EAI_AGAIN), never "no such name": a half-written file must not demote a writer.
"""
import json
import os
import socket
import threading


class HostsFileResolver:
    """resolve(host, port) -> [address, ...] from the drill's hosts file (same shape as
    drweb.db.resolve)."""

    def __init__(self, path):
        self.path = path
        self._lock = threading.Lock()
        self._key = None
        self._names = {}

    def _load(self):
        st = os.stat(self.path)
        key = (st.st_mtime_ns, st.st_size, st.st_ino)
        with self._lock:
            if key == self._key:
                return self._names
            with open(self.path, encoding="utf-8") as f:
                doc = json.load(f)
            names = doc.get("names") if isinstance(doc, dict) else None
            if not isinstance(names, dict):
                raise ValueError(f'{self.path}: expected {{"names": {{host: [addresses] | null}}}}')
            self._names, self._key = names, key
            return names

    def __call__(self, host, port):
        try:
            names = self._load()
        except (OSError, ValueError) as e:
            raise socket.gaierror(socket.EAI_AGAIN, f"drill hosts file unreadable: {e}") from e
        addrs = names.get(host)
        if not addrs:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(dict.fromkeys(str(a) for a in addrs))
