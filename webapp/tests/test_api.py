"""The notes API against a real PostgreSQL primary: happy paths and every client error."""
import json

import pytest
from werkzeug.test import EnvironBuilder


def post(client, payload, **kw):
    return client.post("/api/notes", data=json.dumps(payload), content_type="application/json", **kw)


def note_count(cluster):
    return cluster.primary.sql("SELECT count(*) FROM notes")[0][0]


def test_create_get_and_list_notes(client, cluster):
    r = post(client, {"title": "runbook", "body": "promote us-west-1"})
    assert r.status_code == 201, r.get_json()
    note = r.get_json()
    assert set(note) == {"id", "title", "body", "region", "created_at"}
    assert (note["title"], note["body"], note["region"]) == ("runbook", "promote us-west-1", "us-east-2")
    assert r.headers["Location"] == f"/api/notes/{note['id']}"
    assert r.headers["X-Drweb-Region"] == "us-east-2"
    # really stored in the database
    assert cluster.primary.sql("SELECT title, region FROM notes WHERE id = %s", (note["id"],)) == [("runbook", "us-east-2")]

    got = client.get(f"/api/notes/{note['id']}")
    assert got.status_code == 200
    assert got.get_json() == note

    second = post(client, {"title": "second"}).get_json()
    assert second["body"] == ""  # body is optional
    listed = client.get("/api/notes?limit=2").get_json()
    assert listed["count"] == 2
    assert [n["id"] for n in listed["notes"]] == [second["id"], note["id"]]  # newest first
    assert client.get("/api/notes?limit=1").get_json()["count"] == 1
    assert client.get("/api/notes").get_json()["count"] >= 2  # default limit 20


def test_unicode_round_trip(client):
    # raw UTF-8 (not \u escapes) keeps a 5000-character body under the 16 KiB default limit
    data = json.dumps({"title": "Grüße ✓ 東京", "body": "é" * 5000}, ensure_ascii=False).encode()
    r = client.post("/api/notes", data=data, content_type="application/json")
    assert r.status_code == 201, r.get_json()
    assert client.get(f"/api/notes/{r.get_json()['id']}").get_json()["body"] == "é" * 5000


@pytest.mark.parametrize("payload, message", [
    ({}, "field 'title' is required"),
    ({"body": "x"}, "field 'title' is required"),
    ({"title": "t", "color": "red"}, "unknown field(s): 'color'"),
    ({"title": 5}, "field 'title' must be a string, got number"),
    ({"title": None}, "field 'title' must be a string, got null"),
    ({"title": "t", "body": ["x"]}, "field 'body' must be a string, got array"),
    ({"title": "t", "body": False}, "field 'body' must be a string, got boolean"),
    ({"title": ""}, "field 'title' must be 1 to 200 characters long, got 0"),
    ({"title": "x" * 201}, "field 'title' must be 1 to 200 characters long, got 201"),
    ({"title": "t", "body": "x" * 5001}, "field 'body' must be 0 to 5000 characters long, got 5001"),
    ({"title": "   "}, "field 'title' must not be blank"),
    ({"title": "a\u0000b"}, "field 'title' must not contain NUL characters"),
    (["title"], "request body must be a JSON object"),
    ("title", "request body must be a JSON object"),
])
def test_invalid_note_is_rejected_with_a_clear_message(client, cluster, payload, message):
    before = note_count(cluster)
    r = post(client, payload)
    assert r.status_code == 400
    assert message in r.get_json()["error"]
    assert note_count(cluster) == before


def test_lone_surrogate_is_a_client_error(client):
    r = client.post("/api/notes", data='{"title": "\\ud800"}', content_type="application/json")
    assert r.status_code == 400
    assert r.get_json()["error"] == "field 'title' must be valid Unicode text (no lone surrogates)"


@pytest.mark.parametrize("data", ['{"title": ', "not json", "", '{"title": "a",}', b"\xff\xfe{"])
def test_malformed_json(client, data):
    r = client.post("/api/notes", data=data, content_type="application/json")
    assert r.status_code == 400
    assert r.get_json()["error"].startswith("request body is not valid JSON")


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded", None])
def test_wrong_content_type(client, ctype):
    kw = {"content_type": ctype} if ctype else {}
    r = client.post("/api/notes", data='{"title": "t"}', **kw)
    assert r.status_code == 415
    assert r.get_json() == {"error": "Content-Type must be application/json"}


def test_json_content_type_with_charset_is_accepted(client):
    r = client.post("/api/notes", data='{"title": "t"}', content_type="application/json; charset=utf-8")
    assert r.status_code == 201


@pytest.mark.parametrize("limit", ["0", "101", "abc", "-1", "1.5", "", "99999999999999999999"])
def test_bad_limit(client, limit):
    r = client.get(f"/api/notes?limit={limit}")
    assert r.status_code == 400
    assert "query parameter 'limit' must be an integer from 1 to 100" in r.get_json()["error"]


def test_oversize_body_is_413(make_app, cluster):
    _, client = make_app(DRWEB_MAX_BODY_BYTES=1024)
    before = note_count(cluster)
    r = post(client, {"title": "big", "body": "x" * 2000})
    assert r.status_code == 413
    assert "request body too large" in r.get_json()["error"]
    assert "1024" in r.get_json()["error"]
    assert note_count(cluster) == before
    assert post(client, {"title": "small", "body": "x" * 900}).status_code == 201


def test_oversize_body_without_content_length_is_413(make_app):
    """A chunked upload has no Content-Length (gunicorn marks the stream
    wsgi.input_terminated); the limit must still apply while reading."""
    app, _ = make_app(DRWEB_MAX_BODY_BYTES=1024)
    body = json.dumps({"title": "big", "body": "x" * 4000}).encode()
    env = EnvironBuilder(method="POST", path="/api/notes", content_type="application/json", data=body).get_environ()
    del env["CONTENT_LENGTH"]
    env.update({"wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"})
    status = []
    out = b"".join(app.wsgi_app(env, lambda s, h, *a: status.append(s)))
    assert status[0].startswith("413")
    assert "request body too large" in json.loads(out)["error"]


def test_missing_note_is_404(client):
    r = client.get("/api/notes/987654321")
    assert r.status_code == 404
    assert r.get_json() == {"error": "note 987654321 not found"}


def test_id_beyond_bigint_is_404_not_500(client):
    r = client.get("/api/notes/99999999999999999999999")
    assert r.status_code == 404
    assert "not found" in r.get_json()["error"]


def test_unknown_route_is_json_404(client):
    r = client.get("/nope")
    assert r.status_code == 404
    assert r.is_json and r.get_json() == {"error": "not found: /nope"}
    assert client.get("/api/notes/abc").status_code == 404


def test_wrong_method_is_json_405(client):
    r = client.delete("/api/notes")
    assert r.status_code == 405
    assert r.get_json() == {"error": "method DELETE is not allowed on /api/notes"}
    assert {"GET", "POST"} <= set(r.headers["Allow"].split(", "))
    assert client.post("/healthz").status_code == 405
