"""Bearer-token verification, unit level: local HS256 tokens and Cognito RS256 tokens, the
latter against a real JWKS server on 127.0.0.1 (no network beyond loopback)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import stat
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi.testclient import TestClient
from jwt.algorithms import RSAAlgorithm

from mangaflow.api import auth
from mangaflow.api.app import create_app
from mangaflow.api.auth import AuthError, LocalVerifier, issue_local_token, local_secret
from mangaflow.api.cognito import UNAVAILABLE, CognitoVerifier
from mangaflow.bootstrap import build
from mangaflow.platform.config import Settings
from mangaflow.platform.errors import ConfigError
from tests.conftest import make_settings

POOL = "eu-west-1_TestPool"
CLIENT = "test-client-id"
ISSUER = f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL}"
Keys = dict[str, rsa.RSAPrivateKey]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def handmade(header: dict[str, Any], claims: dict[str, Any], key: bytes | None = None) -> str:
    """A JWT built by hand: unsigned when ``key`` is None, else HMAC-SHA256 with ``key``."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    if key is None:
        return signing_input + "."
    return f"{signing_input}.{b64(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())}"


def refused(verifier: Any, token: str) -> str:
    with pytest.raises(AuthError) as info:
        verifier.user_id(token)
    message = str(info.value)
    assert (not token or token not in message) and len(message) < 80
    return message


@pytest.fixture(scope="module")
def rsa_keys() -> Keys:
    return {n: rsa.generate_private_key(public_exponent=65537, key_size=2048)
            for n in ("k1", "k2", "rogue")}  # fmt: skip


# -- local HS256 ----------------------------------------------------------------------------


@pytest.fixture
def local(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "home", jwt_secret="s" * 64)


def local_claims(settings: Settings, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"sub": "alice", "iss": settings.jwt_issuer, "iat": now, "exp": now + 60}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def test_local_valid_token_names_the_user(local: Settings) -> None:
    assert LocalVerifier(local).user_id(issue_local_token(local, "alice")) == "alice"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [({"exp": int(time.time()) - 5}, "expired"), ({"iss": "someone-else"}, "issuer"),
     ({"sub": None}, "sub"), ({"sub": " "}, "sub"), ({"exp": None}, "exp"), ({"iss": None}, "iss")],
)  # fmt: skip
def test_local_refuses_bad_claims(local: Settings, overrides: dict[str, Any], reason: str) -> None:
    token = jwt.encode(local_claims(local, **overrides), local_secret(local), algorithm="HS256")
    assert reason in refused(LocalVerifier(local), token)


def test_local_refuses_another_secret(local: Settings, tmp_path: Path) -> None:
    other = make_settings(tmp_path / "other", jwt_secret="another-secret-of-32-characters!")
    assert "signature" in refused(LocalVerifier(local), issue_local_token(other, "alice"))


def test_local_refuses_alg_none(local: Settings) -> None:
    token = handmade({"alg": "none", "typ": "JWT"}, local_claims(local))
    assert "algorithm" in refused(LocalVerifier(local), token)


def test_local_refuses_rs256_and_other_algorithms(local: Settings, rsa_keys: Keys) -> None:
    rs256 = jwt.encode(local_claims(local), rsa_keys["k1"], algorithm="RS256")
    assert "algorithm" in refused(LocalVerifier(local), rs256)
    hs512 = jwt.encode(local_claims(local), local_secret(local), algorithm="HS512")
    assert "algorithm" in refused(LocalVerifier(local), hs512)


def test_local_secret_generated_once_0600_and_reused(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "home")
    first = local_secret(settings)
    path = tmp_path / "home" / "jwt-secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 32 and local_secret(settings) == first
    assert LocalVerifier(settings).user_id(issue_local_token(settings, "bob")) == "bob"
    assert [p.name for p in path.parent.iterdir()] == ["jwt-secret"]  # no temp files left


def test_local_secret_racing_creators_agree(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "home")
    barrier = threading.Barrier(16)

    def create(_: int) -> str:
        barrier.wait()
        return local_secret(settings)

    with ThreadPoolExecutor(16) as pool:
        assert len(set(pool.map(create, range(16)))) == 1
    assert sorted(p.name for p in (tmp_path / "home").iterdir()) == ["jwt-secret"]


def test_local_secret_losing_the_race_uses_the_winners(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path / "home")
    real_link = os.link

    def link_after_rival(src: Any, dst: Any) -> None:
        Path(dst).write_text("the-winners-secret\n")  # another process got there first
        real_link(src, dst)

    monkeypatch.setattr(auth.os, "link", link_after_rival)
    assert local_secret(settings) == "the-winners-secret"


# -- Cognito RS256 against a real loopback JWKS server ---------------------------------------


class Jwks:
    """A JWKS endpoint on 127.0.0.1 that counts its hits; ``keys`` may be changed live."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.raw: bytes | None = None  # served instead of the key set when set
        self.hits = 0
        jwks = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                jwks.hits += 1
                body = jwks.raw or json.dumps({"keys": jwks.keys}).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/.well-known/jwks.json"
        serve = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        serve.start()

    def publish(self, *keys: tuple[str, rsa.RSAPrivateKey]) -> None:
        self.keys = [
            {**RSAAlgorithm.to_jwk(k.public_key(), as_dict=True), "kid": kid, "alg": "RS256",
             "use": "sig"} for kid, k in keys
        ]  # type: ignore[dict-item]  # fmt: skip

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def server(rsa_keys: Keys) -> Iterator[Jwks]:
    jwks = Jwks()
    jwks.publish(("k1", rsa_keys["k1"]))
    yield jwks
    jwks.stop()


@pytest.fixture
def cognito(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "home", auth_mode="cognito", cognito_region="eu-west-1",
                         cognito_user_pool_id=POOL, cognito_client_id=CLIENT)  # fmt: skip


def claims_for(use: str, clock: Clock | None = None, **overrides: Any) -> dict[str, Any]:
    now = int(clock() if clock else time.time())
    claims: dict[str, Any] = {"sub": "user-123", "iss": ISSUER, "token_use": use,
                              "iat": now, "exp": now + 3600, "cognito:username": "alice"}  # fmt: skip
    claims.update({"aud": CLIENT} if use == "id" else {"client_id": CLIENT, "scope": "openid"})
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def signed(key: rsa.RSAPrivateKey, claims: dict[str, Any], kid: str = "k1") -> str:
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


@pytest.mark.parametrize("use", ["id", "access"])
def test_cognito_valid_tokens_name_the_sub(
    cognito: Settings, server: Jwks, rsa_keys: Keys, use: str
) -> None:
    verifier = CognitoVerifier(cognito, jwks_url=server.url)
    assert server.hits == 0  # the key set is fetched lazily, not at construction
    token = signed(rsa_keys["k1"], claims_for(use))
    assert verifier.user_id(token) == "user-123"
    assert verifier.user_id(token) == "user-123"
    assert server.hits == 1  # cached by kid
    verifier.close()


@pytest.mark.parametrize(
    ("use", "overrides", "reason"),
    [("id", {"aud": "other-client"}, "another client"),
     ("id", {"aud": None, "client_id": CLIENT}, "another client"),
     ("access", {"client_id": "other-client"}, "another client"),
     ("access", {"client_id": None, "aud": CLIENT}, "another client"),
     ("id", {"iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"}, "issuer"),
     ("access", {"iss": None}, "iss"),
     ("id", {"token_use": "refresh"}, "token_use"),
     ("access", {"token_use": None}, "token_use"),
     ("id", {"sub": None}, "sub"),
     ("access", {"exp": int(time.time()) - 120}, "expired"),
     ("id", {"exp": "tomorrow"}, "exp"),
     ("access", {"nbf": int(time.time()) + 3600}, "not yet valid")],
)  # fmt: skip
def test_cognito_refuses_bad_claims(
    cognito: Settings, server: Jwks, rsa_keys: Keys,
    use: str, overrides: dict[str, Any], reason: str,
) -> None:  # fmt: skip
    verifier = CognitoVerifier(cognito, jwks_url=server.url)
    assert reason in refused(verifier, signed(rsa_keys["k1"], claims_for(use, **overrides)))


def test_cognito_expiry_uses_the_clock_with_a_small_leeway(
    cognito: Settings, server: Jwks, rsa_keys: Keys
) -> None:
    clock = Clock()
    verifier = CognitoVerifier(cognito, jwks_url=server.url, clock=clock)
    token = signed(rsa_keys["k1"], claims_for("access", clock, exp=int(clock.now) + 100))
    clock.now += 110  # 10 s past exp: within the leeway
    assert verifier.user_id(token) == "user-123"
    clock.now += 60  # 70 s past exp
    assert refused(verifier, token) == "token expired"


def test_cognito_refuses_a_signature_by_another_key(
    cognito: Settings, server: Jwks, rsa_keys: Keys
) -> None:
    verifier = CognitoVerifier(cognito, jwks_url=server.url)
    assert "signature" in refused(verifier, signed(rsa_keys["rogue"], claims_for("id")))


def test_cognito_refuses_alg_confusion_and_alg_none_before_fetching(
    cognito: Settings, server: Jwks, rsa_keys: Keys
) -> None:
    verifier = CognitoVerifier(cognito, jwks_url=server.url)
    pem = rsa_keys["k1"].public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    confused = handmade({"alg": "HS256", "typ": "JWT", "kid": "k1"}, claims_for("id"), key=pem)
    assert "algorithm" in refused(verifier, confused)
    none = handmade({"alg": "none", "typ": "JWT", "kid": "k1"}, claims_for("access"))
    assert "algorithm" in refused(verifier, none)
    assert server.hits == 0
    # Even once the key is cached, the header cannot pick another algorithm.
    assert verifier.user_id(signed(rsa_keys["k1"], claims_for("id"))) == "user-123"
    assert "algorithm" in refused(verifier, confused)
    assert "algorithm" in refused(verifier, none)
    assert server.hits == 1


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "Bearer x", "e30.e30.", "...."])
def test_garbage_is_refused_without_fetching(
    local: Settings, cognito: Settings, server: Jwks, token: str
) -> None:
    refused(LocalVerifier(local), token)
    refused(CognitoVerifier(cognito, jwks_url=server.url), token)
    assert server.hits == 0


def test_cognito_key_rotation_refetches_once_without_storms(
    cognito: Settings, server: Jwks, rsa_keys: Keys
) -> None:
    clock = Clock()
    verifier = CognitoVerifier(cognito, jwks_url=server.url, clock=clock)
    assert verifier.user_id(signed(rsa_keys["k1"], claims_for("id", clock))) == "user-123"
    assert server.hits == 1
    server.publish(("k1", rsa_keys["k1"]), ("k2", rsa_keys["k2"]))  # Cognito rotates
    clock.now += 60
    rotated = signed(rsa_keys["k2"], claims_for("access", clock), kid="k2")
    assert verifier.user_id(rotated) == "user-123"
    assert server.hits == 2  # exactly one refetch for the new kid
    assert verifier.user_id(rotated) == "user-123"
    assert verifier.user_id(signed(rsa_keys["k1"], claims_for("id", clock))) == "user-123"
    assert server.hits == 2
    bogus = signed(rsa_keys["rogue"], claims_for("id", clock), kid="made-up")
    clock.now += 60
    assert refused(verifier, bogus) == "unknown signing key"
    assert server.hits == 3  # one refetch for the unknown kid...
    for _ in range(20):
        clock.now += 10
        refused(verifier, bogus)
    assert server.hits == 3  # ...and no more within ~5 minutes
    for n in range(20):  # a flood of different made-up kids: at most one fetch per interval
        refused(verifier, signed(rsa_keys["rogue"], claims_for("id", clock), kid=f"kid-{n}"))
    assert server.hits <= 4
    clock.now += 301
    hits = server.hits
    refused(verifier, bogus)
    assert server.hits == hits + 1  # after the cool-down the kid may be looked up again


def test_cognito_key_set_unavailable_is_an_auth_error(
    cognito: Settings, server: Jwks, rsa_keys: Keys
) -> None:
    url = server.url
    server.stop()
    clock = Clock()
    verifier = CognitoVerifier(cognito, jwks_url=url, clock=clock)
    token = signed(rsa_keys["k1"], claims_for("id", clock))
    assert refused(verifier, token) == UNAVAILABLE == "cannot verify token: key set unavailable"
    assert refused(verifier, token) == UNAVAILABLE  # immediately, without hammering
    # Once the endpoint answers again (after a short back-off) the same kid works.
    revived = Jwks()
    revived.publish(("k1", rsa_keys["k1"]))
    try:
        verifier.jwks_url = revived.url
        clock.now += 11
        assert verifier.user_id(token) == "user-123"
    finally:
        revived.stop()


@pytest.mark.parametrize("body", [b"not json", b'{"keys": "nope"}', b"[]", b"x" * 2_000_001])
def test_cognito_malformed_key_set_is_unavailable(
    cognito: Settings, server: Jwks, rsa_keys: Keys, body: bytes
) -> None:
    server.raw = body
    token = signed(rsa_keys["k1"], claims_for("id"))
    assert refused(CognitoVerifier(cognito, jwks_url=server.url), token) == UNAVAILABLE


@pytest.mark.parametrize(
    ("field", "variable"),
    [("cognito_user_pool_id", "MANGAFLOW_COGNITO_USER_POOL_ID"),
     ("cognito_client_id", "MANGAFLOW_COGNITO_CLIENT_ID")],
)  # fmt: skip
def test_cognito_missing_settings_are_config_errors(
    cognito: Settings, field: str, variable: str
) -> None:
    with pytest.raises(ConfigError, match=variable):
        CognitoVerifier(cognito.model_copy(update={field: ""}))


def test_cognito_default_key_set_url_and_lazy_factory(cognito: Settings) -> None:
    verifier = auth.verifier_for(cognito)  # no network: nothing is fetched yet
    assert isinstance(verifier, CognitoVerifier)
    assert verifier.issuer == ISSUER
    assert verifier.jwks_url == f"{ISSUER}/.well-known/jwks.json"


def test_api_answers_401_when_the_key_set_is_down(
    cognito: Settings, server: Jwks, rsa_keys: Keys
) -> None:
    url = server.url
    server.stop()
    c = build(cognito)
    app = create_app(lambda: c, verifier=CognitoVerifier(cognito, jwks_url=url))
    client = TestClient(app, raise_server_exceptions=False)
    token = signed(rsa_keys["k1"], claims_for("id"))
    response = client.get("/stories", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert UNAVAILABLE in response.text and token not in response.text
