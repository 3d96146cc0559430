"""DB_SSLMODE=verify-full, as the stacks set it, against a real PostgreSQL with TLS.

The server's certificate is signed by a throwaway CA made here (openssl) for the name
`localhost`. The app must connect when DB_SSLROOTCERT is that CA and the host is the
certificate's name, and must refuse when the CA is another one (the RDS bundle the app
ships: proof that the certificate is really verified) or when the host is not the name on
the certificate (verify-full checks the name, as RDS endpoints need).
"""
import shutil
import subprocess

import pytest

from conftest import APP_PASSWORD, APP_USER, IS_ROOT, WEBAPP, Cluster, app_env
from drweb import Config, create_app

RDS_BUNDLE = WEBAPP / "deploy" / "rds-global-bundle.pem"


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    c = Cluster()
    try:
        pg = c.add("tls").init_primary()
        d = pg.dir
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                "-subj", "/CN=drweb test CA", cwd=d)
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost", cwd=d)
        (d / "san.ext").write_text("subjectAltName=DNS:localhost\n")
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt",
                "-days", "2", "-extfile", "san.ext", cwd=d)
        (d / "server.key").chmod(0o600)
        if IS_ROOT:
            for f in ("server.key", "server.crt", "ca.pem"):
                shutil.chown(d / f, "postgres", "postgres")
        with open(d / "postgresql.conf", "a") as f:
            f.write("ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n")
        with open(d / "pg_hba.conf", "w") as f:  # the app role only over TLS
            f.write("host all postgres 127.0.0.1/32 trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n")
        pg.start()
        pg.sql(f"CREATE ROLE {APP_USER} LOGIN PASSWORD '{APP_PASSWORD}'", dbname="postgres")
        pg.sql(f"CREATE DATABASE drweb OWNER {APP_USER}", dbname="postgres")
        ca = tmp_path_factory.mktemp("tls") / "ca.pem"
        shutil.copy(d / "ca.pem", ca)
        yield pg, ca
    finally:
        c.teardown()


def ready(pg, host, rootcert):
    env = app_env(pg, DB_SSLMODE="verify-full", DB_SSLROOTCERT=str(rootcert))
    env["DB_WRITER_HOST"] = host
    app = create_app(Config.from_env(env))
    try:
        r = app.test_client().get("/readyz")
        return r.status_code, r.get_json()
    finally:
        app.extensions["drweb"].close()


def test_verify_full_connects_with_the_servers_ca_and_the_name_on_its_certificate(tls_server):
    pg, ca = tls_server
    status, body = ready(pg, "localhost", ca)
    # pg_hba admits the app role over TLS only (hostssl): connecting at all means TLS
    assert (status, body["db_role"]) == (200, "writer")


def test_verify_full_refuses_a_server_whose_certificate_another_ca_signed(tls_server):
    pg, _ = tls_server
    status, body = ready(pg, "localhost", RDS_BUNDLE)
    assert (status, body["db_role"]) == (503, "unreachable")


def test_verify_full_refuses_a_host_that_is_not_the_name_on_the_certificate(tls_server):
    pg, ca = tls_server
    status, body = ready(pg, "127.0.0.1", ca)
    assert (status, body["db_role"]) == (503, "unreachable")
