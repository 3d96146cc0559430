"""DB_AUTH=secretsmanager. No AWS API emulator runs on this machine, so the
Secrets Manager API is a stand-in: botocore's Stubber answers GetSecretValue
with the JSON shape of an RDS-managed master secret. The database is real: the
stubbed credentials must actually log in to PostgreSQL."""
import json
import time

import botocore.session
import pytest
from botocore.stub import Stubber

from conftest import APP_PASSWORD, APP_USER
from drweb.creds import CredentialError, SecretsManagerCredentials

ARN = "arn:aws:secretsmanager:us-west-1:123456789012:secret:rds!db-0a1b2c3d-AbCdEf"


def stubbed_client(*secrets):
    client = botocore.session.get_session().create_client(
        "secretsmanager", region_name="us-west-1", aws_access_key_id="test", aws_secret_access_key="test")
    stub = Stubber(client)
    for secret in secrets:
        stub.add_response("get_secret_value", {"ARN": ARN, "Name": "rds!db", "SecretString": json.dumps(secret)},
                          {"SecretId": ARN})
    stub.activate()
    return client, stub


def sm_app(make_app, client, **extra):
    return make_app(secrets_client=client, DB_AUTH="secretsmanager", DB_SECRET_ID=ARN, DB_USER="",
                    DB_PASSWORD="", DRWEB_REGION="us-west-1", **extra)[1]


def test_credentials_come_from_the_secret_and_are_cached(make_app):
    client, stub = stubbed_client({"username": APP_USER, "password": APP_PASSWORD, "engine": "postgres"})
    app = sm_app(make_app, client)
    assert app.get("/readyz").status_code == 200
    assert app.post("/api/notes", json={"title": "secret"}).status_code == 201
    assert app.get("/api/notes").status_code == 200
    stub.assert_no_pending_responses()  # exactly one GetSecretValue; a second call would raise


def test_rotated_password_is_refetched_after_an_auth_failure(make_app, capsys):
    client, stub = stubbed_client({"username": APP_USER, "password": "old-rotated-away"},
                                  {"username": APP_USER, "password": APP_PASSWORD})
    app = sm_app(make_app, client)
    r = app.get("/readyz")
    assert r.status_code == 200, r.get_json()
    stub.assert_no_pending_responses()
    assert "db authentication failed, refetching credentials" in capsys.readouterr().out


def test_refetching_is_rate_limited():
    client, stub = stubbed_client({"username": "u", "password": "p1"}, {"username": "u", "password": "p2"})
    creds = SecretsManagerCredentials(ARN, "us-west-1", client=client, min_refetch_seconds=60)
    assert creds.get() == ("u", "p1")
    assert creds.invalidate() is True
    assert creds.get() == ("u", "p2")
    assert creds.invalidate() is False  # a second refetch within 60 s is refused
    assert creds.get() == ("u", "p2")
    stub.assert_no_pending_responses()


@pytest.mark.parametrize("secret", [{"username": APP_USER}, {"password": ""}, ["not", "an", "object"]])
def test_a_malformed_secret_makes_the_app_unready(make_app, secret, capsys):
    client, _ = stubbed_client(secret)
    r = sm_app(make_app, client).get("/readyz")
    assert r.status_code == 503
    assert r.get_json()["error"] == "writer database unreachable (database credentials unavailable)"
    assert "must hold string 'username' and 'password' keys" in capsys.readouterr().out


def test_secrets_api_failure_makes_the_app_unready(make_app):
    client = botocore.session.get_session().create_client(
        "secretsmanager", region_name="us-west-1", aws_access_key_id="test", aws_secret_access_key="test")
    stub = Stubber(client)
    stub.add_client_error("get_secret_value", "AccessDeniedException", "not allowed", expected_params={"SecretId": ARN})
    stub.activate()
    r = sm_app(make_app, client).get("/readyz")
    assert r.status_code == 503 and r.get_json()["db_role"] == "unreachable"


def test_the_real_client_targets_the_secret_region():
    """Without a stub the credentials build a boto3 client for DB_SECRET_REGION
    (no call is made here)."""
    creds = SecretsManagerCredentials(ARN, "us-west-1")
    assert creds._sm().meta.region_name == "us-west-1"


def test_a_failing_secrets_api_is_not_called_on_every_request():
    client, stub = stubbed_client()
    stub.add_client_error("get_secret_value", "InternalServiceError", "down", expected_params={"SecretId": ARN})
    stub.add_response("get_secret_value", {"ARN": ARN, "Name": "n", "SecretString": json.dumps({"username": "u", "password": "p"})},
                      {"SecretId": ARN})
    creds = SecretsManagerCredentials(ARN, "us-west-1", client=client, min_refetch_seconds=0.3)
    for _ in range(3):
        with pytest.raises(CredentialError, match="could not read secret"):
            creds.get()  # one API call; the next two reuse the failure
    time.sleep(0.35)
    assert creds.get() == ("u", "p")
    stub.assert_no_pending_responses()
