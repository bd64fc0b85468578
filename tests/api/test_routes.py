"""Every route: auth, isolation between users, the single error shape, limits."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mangaflow.api.app import create_app
from mangaflow.api.auth import issue_local_token
from mangaflow.bootstrap import build
from mangaflow.manga.repository import repo
from tests.api.conftest import Api
from tests.conftest import VALID_PREFS, make_settings


def routes(ids: dict[str, str]) -> list[tuple[str, str, Any]]:
    return [
        ("POST", "/preferences", VALID_PREFS),
        ("GET", f"/status/{ids['request']}", None),
        ("GET", "/stories", None),
        ("GET", f"/stories/{ids['story']}", None),
        ("GET", f"/episodes/{ids['episode']}", None),
        ("GET", f"/episodes/{ids['episode']}/pdf", None),
        ("GET", f"/episodes/{ids['episode']}/cbz", None),
        ("POST", "/workflow/start", {"numberOfStories": 1}),
        ("POST", f"/stories/{ids['story']}/episodes", None),
        ("POST", f"/episodes/{ids['episode']}/panels/1/regenerate", {}),
    ]


def assert_error_shape(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details", "requestId", "timestamp"}
    assert error["message"] and error["code"]
    return error  # type: ignore[no-any-return]


def alg_none_token() -> str:
    def b64(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64({'sub': 'alice', 'iss': 'mangaflow-local', 'exp': 4102444800})}."


def test_health_needs_no_token(api: Api) -> None:
    assert api.client.get("/health").json()["status"] == "ok"


@pytest.mark.parametrize("case", ["none", "garbage", "expired", "bad signature", "alg none",
                                  "wrong issuer"])  # fmt: skip
def test_every_route_refuses_bad_tokens(api: Api, case: str) -> None:
    ids = api.make_episode()
    headers = {
        "none": {},
        "garbage": {"Authorization": "Bearer not-a-jwt"},
        "expired": api.token(exp=1),
        "bad signature": {"Authorization": "Bearer " + issue_local_token(
            make_settings(Path("/nonexistent"), jwt_secret="another-secret-that-is-long-enough-for-hs256"), "alice")},
        "alg none": {"Authorization": f"Bearer {alg_none_token()}"},
        "wrong issuer": api.token(iss="someone-else"),
    }[case]  # fmt: skip
    for method, path, body in routes(ids):
        response = api.client.request(method, path, json=body, headers=headers)
        assert_error_shape(response, 401)
        assert "alice" not in response.text or case == "none"


def test_another_users_ids_answer_404_and_leak_nothing(api: Api) -> None:
    ids = api.make_episode()
    for method, path, body in routes(ids):
        if path in ("/preferences", "/stories", "/workflow/start"):
            continue
        response = api.client.request(method, path, json=body, headers=api.bob)
        error = assert_error_shape(response, 404)
        assert ids["story"] not in json.dumps(error["details"] or "")
    assert api.client.get("/stories", headers=api.bob).json() == {"stories": []}
    title = api.client.get("/stories", headers=api.alice).json()["stories"][0]["title"]
    assert title and title not in api.client.get("/stories", headers=api.bob).text


def test_owner_reads_the_library_and_downloads(api: Api) -> None:
    ids = api.make_episode()
    stories = api.client.get("/stories", headers=api.alice).json()["stories"]
    assert [s["storyId"] for s in stories] == [ids["story"]]
    story = api.client.get(f"/stories/{ids['story']}", headers=api.alice).json()
    assert story["episodes"][0]["episodeId"] == ids["episode"]
    ep = api.client.get(f"/episodes/{ids['episode']}", headers=api.alice).json()
    assert ep["downloads"] == {"pdf": f"/episodes/{ids['episode']}/pdf",
                               "cbz": f"/episodes/{ids['episode']}/cbz"}  # fmt: skip
    pdf = api.client.get(ep["downloads"]["pdf"], headers=api.alice)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    cbz = api.client.get(ep["downloads"]["cbz"], headers=api.alice)
    assert cbz.content[:2] == b"PK"


def test_on_s3_downloads_redirect_to_a_short_lived_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Lambda response cannot carry a large episode: the API answers 307 to a presigned URL
    (5 minutes, saved under the episode's file name), and only for the owner."""
    import boto3
    import requests
    from moto import mock_aws

    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        boto3.client("s3").create_bucket(Bucket="mangaflow-test-episodes")
        c = build(make_settings(tmp_path / "home", blob_backend="s3",
                                bucket="mangaflow-test-episodes"))  # fmt: skip
        api = Api(c)
        ids = api.make_episode()
        url = f"/episodes/{ids['episode']}/pdf"
        moved = api.client.get(url, headers=api.alice, follow_redirects=False)
        assert moved.status_code == 307
        location = moved.headers["location"]
        assert location.startswith("https://") and "X-Amz-Expires=300" in location
        assert f"{ids['episode']}-episode.pdf" in requests.utils.unquote(location)
        fetched = requests.get(location, timeout=5)
        assert fetched.status_code == 200 and fetched.content.startswith(b"%PDF")
        assert fetched.headers["Content-Disposition"] == (
            f'attachment; filename="{ids["episode"]}-episode.pdf"')
        assert api.client.get(url, headers=api.bob, follow_redirects=False).status_code == 404


def test_post_preferences_accepts_and_queues_without_generating(api: Api) -> None:
    response = api.client.post("/preferences", json=VALID_PREFS, headers=api.alice)
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "PENDING" and body["statusUrl"] == f"/status/{body['requestId']}"
    status = api.client.get(body["statusUrl"], headers=api.alice).json()
    assert status["status"] == "PENDING" and status["requestId"] == body["requestId"]
    assert repo(api.c).list_stories("alice") == []  # generation did not run in the request
    assert api.c.bus.published[-1].detail_type == "Story Generation Requested"  # type: ignore[attr-defined]


HUGE = "x" * 100_000
MALFORMED: list[tuple[str, Any, int]] = [
    ("wrong type genres", {**VALID_PREFS, "genres": "Action"}, 422),
    ("wrong type pages", {**VALID_PREFS, "pagesPerEpisode": "8"}, 422),
    ("unknown field", {**VALID_PREFS, "admin": True}, 422),
    ("invalid enum", {**VALID_PREFS, "artStyle": "Pixel"}, 422),
    ("children with R", {**VALID_PREFS, "targetAudience": "Children", "contentRating": "R"}, 422),
    ("huge string", {**VALID_PREFS, "notes": "x" * 5000}, 422),
    ("huge body", {**VALID_PREFS, "notes": HUGE}, 413),
    ("not an object", ["Action"], 422),
    ("null", None, 422),
    ("nested garbage", {**VALID_PREFS, "characters": [{"name": {"$gt": ""}}]}, 422),
    ("number for list", {**VALID_PREFS, "themes": 7}, 422),
]  # fmt: skip


@pytest.mark.parametrize(("case", "body", "status"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_bodies_get_4xx_in_the_error_shape(
    api: Api, case: str, body: Any, status: int
) -> None:
    response = api.client.post("/preferences", json=body, headers=api.alice)
    error = assert_error_shape(response, status)
    if status == 422:
        assert error["details"] and all("field" in d for d in error["details"])
    assert api.c.requests.list_requests("alice") == []  # nothing stored


@pytest.mark.parametrize(("path", "body"), [
    ("/workflow/start", {"numberOfStories": 11}),
    ("/workflow/start", {"numberOfStories": "3"}),
    ("/workflow/start", {"numberOfStories": 2, "extra": 1}),
])  # fmt: skip
def test_workflow_body_validation(api: Api, path: str, body: Any) -> None:
    error = assert_error_shape(api.client.post(path, json=body, headers=api.alice), 422)
    assert any("numberOfStories" in d["field"] or d["field"] == "extra" for d in error["details"])


def test_unknown_route_and_method(api: Api) -> None:
    assert_error_shape(api.client.get("/nope", headers=api.alice), 404)
    assert_error_shape(api.client.delete("/stories", headers=api.alice), 405)


def test_rate_limit_answers_429_with_retry_after(tmp_path: Path) -> None:
    c = build(make_settings(tmp_path / "home", api_rate_per_minute=3))
    client = TestClient(create_app(lambda: c))
    headers = {"Authorization": f"Bearer {issue_local_token(c.settings, 'alice')}"}
    codes = [client.get("/stories", headers=headers).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get("/stories", headers=headers)
    assert_error_shape(limited, 429)
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    other = {"Authorization": f"Bearer {issue_local_token(c.settings, 'bob')}"}
    assert client.get("/stories", headers=other).status_code == 200  # per user


def test_openapi_is_served(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    assert {"/preferences", "/status/{request_id}", "/workflow/start"} <= set(spec["paths"])


def test_resume_continues_a_failed_request_and_refuses_others(api: Api) -> None:
    body = api.client.post("/preferences", json=VALID_PREFS, headers=api.alice).json()
    rid = body["requestId"]
    assert api.client.post(f"/requests/{rid}/resume", headers=api.alice).status_code == 409
    api.c.requests.mark_finished(rid, "FAILED", error="image provider: 503")
    assert api.client.post(f"/requests/{rid}/resume", headers=api.bob).status_code == 404
    resumed = api.client.post(f"/requests/{rid}/resume", headers=api.alice)
    assert resumed.status_code == 202, resumed.text
    assert resumed.json()["requestId"] == rid and resumed.json()["status"] == "PENDING"
    conflict = api.client.post(f"/requests/{rid}/resume", headers=api.alice)
    assert conflict.status_code == 409 and "queued" in conflict.json()["error"]["message"]
