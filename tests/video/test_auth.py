"""YouTube credentials: API key for reads, OAuth refresh (cached, refreshed on expiry and
on a 401), Secrets Manager (moto), and no credential in logs or error messages."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest

from mangaflow.platform.adapters.aws import make_client
from mangaflow.platform.adapters.storage.sqlite import SqliteItemTable
from mangaflow.platform.errors import ConfigError, ProviderAuthError
from mangaflow.video.youtube.auth import YouTubeAuth
from mangaflow.video.youtube.data import YouTubeApi, YouTubeData
from mangaflow.video.youtube.quota import QuotaLedger
from tests.fakes.youtube_server import FakeYouTubeServer, make_video
from tests.video.conftest import REGION, yt_settings


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def oauth_data(tmp_path: Path, yt: FakeYouTubeServer, table: SqliteItemTable,
               ticks: Ticks | None = None, **overrides: object) -> YouTubeData:  # fmt: skip
    settings = yt_settings(tmp_path, yt, youtube_api_key="", **overrides)
    client = httpx.Client()
    auth = YouTubeAuth(settings, client, clock=ticks or Ticks())
    api = YouTubeApi(settings, QuotaLedger(table, 10_000), client=client, auth=auth)
    return YouTubeData(api)


def test_read_calls_send_the_api_key_as_a_parameter_and_no_token(
    tmp_path: Path, table: SqliteItemTable
) -> None:
    with FakeYouTubeServer(videos=[make_video("a", views=3)]) as yt:
        data = YouTubeData.from_settings(yt_settings(tmp_path, yt), table)
        assert [v.views for v in data.statistics(["a"])] == [3]
    (req,) = yt.requests
    assert req.query["key"] == yt.api_key and "authorization" not in req.headers
    assert yt.tokens_issued == 0


def test_the_access_token_is_cached_and_refreshed_once_on_a_401(
    tmp_path: Path, table: SqliteItemTable
) -> None:
    with FakeYouTubeServer(videos=[make_video("a", views=3)]) as yt:
        data = oauth_data(tmp_path, yt, table)
        data.statistics(["a"])
        data.statistics(["a"])
        assert yt.paths() == ["/token", "/youtube/v3/videos", "/youtube/v3/videos"]
        yt.revoke_tokens()
        assert [v.id for v in data.statistics(["a"])] == ["a"]
    assert yt.paths()[3:] == ["/youtube/v3/videos", "/token", "/youtube/v3/videos"]
    auths = [r.headers.get("authorization") for r in yt.requests if r.path != "/token"]
    assert auths == ["Bearer ya29.fake-1"] * 3 + ["Bearer ya29.fake-2"]
    assert "key" not in yt.requests[1].query


def test_a_token_about_to_expire_is_refreshed_before_the_call(
    tmp_path: Path, table: SqliteItemTable
) -> None:
    ticks = Ticks()
    with FakeYouTubeServer(videos=[make_video("a")], token_lifetime=300) as yt:
        data = oauth_data(tmp_path, yt, table, ticks)
        data.statistics(["a"])
        ticks.t += 239  # 61 s left of 300: still used
        data.statistics(["a"])
        ticks.t += 2  # within the last 60 s: refreshed first
        data.statistics(["a"])
    assert yt.paths() == ["/token", "/youtube/v3/videos", "/youtube/v3/videos", "/token",
                          "/youtube/v3/videos"]  # fmt: skip
    assert yt.requests[-1].headers["authorization"] == "Bearer ya29.fake-2"


def test_credentials_come_from_secrets_manager_when_the_settings_are_empty(
    tmp_path: Path, table: SqliteItemTable, aws: None
) -> None:
    secrets = make_client("secretsmanager", REGION)
    with FakeYouTubeServer(videos=[make_video("a")]) as yt:
        secrets.create_secret(Name="youtube/channel", SecretString=json.dumps(yt.credentials))
        settings = yt_settings(tmp_path, yt, youtube_api_key="", youtube_client_id="",
                               youtube_client_secret="", youtube_refresh_token="",
                               youtube_secret_id="youtube/channel", aws_region=REGION)  # fmt: skip
        data = YouTubeData.from_settings(settings, table)
        assert [v.id for v in data.statistics(["a"])] == ["a"]
    form = yt.requests[0].raw.decode()
    assert "client_id=fake-client&" in form and "grant_type=refresh_token" in form


@pytest.mark.parametrize(("secret", "complaint"), [
    ({"client_id": "x", "client_secret": "y"}, "lacks refresh_token"),
    ("not json", "must be a JSON object"),
    (None, "could not be read from Secrets Manager (ResourceNotFoundException)"),
])  # fmt: skip
def test_a_bad_secret_is_a_config_error_naming_what_is_wrong(
    tmp_path: Path, table: SqliteItemTable, aws: None, secret: object, complaint: str
) -> None:
    secrets = make_client("secretsmanager", REGION)
    if secret is not None:
        text = secret if isinstance(secret, str) else json.dumps(secret)
        secrets.create_secret(Name="yt", SecretString=text)
    with FakeYouTubeServer() as yt:
        settings = yt_settings(tmp_path, yt, youtube_api_key="", youtube_client_id="",
                               youtube_client_secret="", youtube_refresh_token="",
                               youtube_secret_id="yt", aws_region=REGION)  # fmt: skip
        with pytest.raises(ConfigError) as info:
            YouTubeData.from_settings(settings, table).statistics(["a"])
        assert yt.requests == []
    assert complaint in info.value.message and "MANGAFLOW_YOUTUBE_SECRET_ID" in info.value.message


def test_half_configured_oauth_names_the_missing_settings(
    tmp_path: Path, table: SqliteItemTable, yt: FakeYouTubeServer
) -> None:
    data = oauth_data(tmp_path, yt, table, youtube_client_secret="")
    with pytest.raises(ConfigError) as info:
        data.statistics(["a"])
    assert "MANGAFLOW_YOUTUBE_CLIENT_SECRET" in info.value.message
    assert "MANGAFLOW_YOUTUBE_CLIENT_ID" not in info.value.message


def test_no_credentials_at_all_is_a_config_error(
    tmp_path: Path, table: SqliteItemTable, yt: FakeYouTubeServer
) -> None:
    settings = yt_settings(tmp_path, yt, youtube_api_key="", youtube_client_id="",
                           youtube_client_secret="", youtube_refresh_token="")  # fmt: skip
    with pytest.raises(ConfigError) as info:
        YouTubeData.from_settings(settings, table).most_popular()
    assert "MANGAFLOW_YOUTUBE_API_KEY" in info.value.message and yt.requests == []


def test_credentials_never_reach_logs_or_error_messages(
    tmp_path: Path, table: SqliteItemTable, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeYouTubeServer(videos=[make_video("a")]) as yt:
        YouTubeData.from_settings(yt_settings(tmp_path, yt), table).statistics(["a"])
        data = oauth_data(tmp_path, yt, table)
        data.statistics(["a"])
        yt.revoke_tokens()
        data.statistics(["a"])
        bad = oauth_data(tmp_path, yt, table, youtube_refresh_token="revoked-refresh-token")
        with pytest.raises(ProviderAuthError) as info:
            bad.statistics(["a"])
    assert "HTTP Request: GET" in caplog.text  # httpx did log the calls, with the key masked
    secrets = [yt.api_key, "ya29.fake-1", "ya29.fake-2", "revoked-refresh-token",
               yt.credentials["client_secret"], yt.credentials["refresh_token"]]  # fmt: skip
    assert [s for s in secrets if s in caplog.text or s in str(info.value)] == []
    assert "invalid_grant" in info.value.message and "re-authorise" in info.value.message
