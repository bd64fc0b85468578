"""Property-based fuzzing of the REST API from its own OpenAPI spec (schemathesis, in-process).

Every operation gets positive and negative examples (bodies, path ids, the Authorization
header). Headers mostly carry a valid token for alice, who owns a finished episode, and path
ids are real ids about half the time, so handlers run past auth and lookups. Properties:

* no response is a server error (5xx);
* every 4xx body has the API's one error shape ``{"error": {code, message, details,
  requestId, timestamp}}``.

Generation never runs: the generation routes only publish to the inline bus, which nothing
drains here. Hypothesis is derandomized (same examples every run) and bounded by
``MAX_EXAMPLES`` per operation.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from mangaflow.api.app import create_app
from mangaflow.api.auth import issue_local_token
from mangaflow.bootstrap import build
from mangaflow.manga.services.batches import start_batch
from mangaflow.manga.services.submit import submit_preferences
from tests.api.conftest import Api
from tests.conftest import VALID_PREFS, make_settings
from tests.video_builders import CountingPublisher, add_topic, finished_video, video_studio

pytestmark = pytest.mark.slow

MAX_EXAMPLES = 40
ERROR_KEYS = {"code", "message", "details", "requestId", "timestamp"}

# What the fuzz run saw: operation label -> status code -> responses (read by the last test).
SEEN: dict[str, Counter[int]] = defaultdict(Counter)


def error_shape(ctx: Any, response: Any, case: Any) -> None:
    """A schemathesis check: 4xx bodies are ``{"error": {...}}`` with exactly ERROR_KEYS."""
    status = response.status_code
    assert status < 500, f"server error {status}: {response.text[:2000]}"
    if not 400 <= status < 500:
        return
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"{status} body is not JSON: {response.text[:500]!r}") from None
    assert isinstance(body, dict) and set(body) == {"error"}, f"{status} body: {body!r}"
    error = body["error"]
    assert isinstance(error, dict) and set(error) == ERROR_KEYS, f"{status} error: {error!r}"
    assert isinstance(error["code"], str) and error["code"], f"{status} error code: {error!r}"
    assert isinstance(error["message"], str) and error["message"], f"{status} message: {error!r}"
    assert isinstance(error["timestamp"], str) and error["timestamp"], f"{status}: {error!r}"


# Built at import: schemathesis needs the schema to parametrize the test per operation (its
# lazy ``from_fixture`` loader does not work with pytest 9.2: it sets ``node._nodeid``).
_HOME = Path(tempfile.mkdtemp(prefix="mangaflow-fuzz-"))
atexit.register(shutil.rmtree, _HOME, ignore_errors=True)
_C = build(make_settings(_HOME / "home", api_rate_per_minute=1_000_000))
# Support routes need a tenant and roles: alice is an admin of "fuzz", bob of "fuzz-other".
_ALICE = f"Bearer {issue_local_token(_C.settings, 'alice', tenant='fuzz', roles=['admin'])}"
_BOB = f"Bearer {issue_local_token(_C.settings, 'bob', tenant='fuzz-other', roles=['admin'])}"
# Real values for path parameters, filled in by the ``real_ids`` fixture.
REAL: dict[str, list[Any]] = {}

schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(lambda: _C), config=schemathesis.Config()
)


@schema.hook
def flatmap_headers(context: Any, headers: dict[str, Any] | None) -> Any:
    """Mostly alice's valid token; sometimes bob's (alice's ids must answer him 404), sometimes
    whatever the fuzzer generated for Authorization (garbage, missing, ...)."""
    headers = dict(headers or {})
    generated = {k: v for k, v in headers.items() if k.lower() == "authorization"}
    others = {k: v for k, v in headers.items() if k.lower() != "authorization"}
    choices = [{"Authorization": _ALICE}] * 6 + [{"Authorization": _BOB}, generated]
    return st.sampled_from(choices).map(lambda auth: {**others, **auth})


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    """Each path parameter: the generated value or one of the real ones."""
    params = dict(path_parameters or {})
    return st.fixed_dictionaries(
        {k: st.sampled_from([v, *REAL.get(k, [])]) for k, v in params.items()}
    )


@schema.hook
def flatmap_body(context: Any, body: Any) -> Any:
    """Video requests name alice's topic about half the time (else they stop at 404)."""
    operation = getattr(context, "operation", None)
    if operation is None or operation.label != "POST /video/videos" or not isinstance(body, dict):
        return st.just(body)
    real = {k: v for k, v in body.items() if k != "episode_id"} | {"topic_id": "home-espresso"}
    return st.sampled_from([body, real])


@schema.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    SEEN[case.operation.label][response.status_code] += 1
    if case.operation.label in RESTORE and response.status_code < 300:
        # Put alice's topic back as it was, so later operations still find it.
        video_studio(_C).store.put_topic(RESTORE[case.operation.label])


#: Operations that change or delete alice's topic, and the topic as it was (real_ids).
RESTORE: dict[str, Any] = {}


def catalog_with_reviews() -> list[str]:
    """A small catalog in which 4 entries wait for review (their ids, and 2 others)."""
    from mangaflow.catalog import sample
    from mangaflow.catalog.domain import anime_id_for
    from mangaflow.catalog.parts import catalog
    from mangaflow.catalog.services.sync import sync

    cat = catalog(_C)
    data = list(sample.entries(12, seed=4))
    sync(cat, str(sample.write(_HOME / "v1.jsonl", data)))
    for entry in data[:4]:
        entry["episodes"] += 10
    sync(cat, str(sample.write(_HOME / "v2.jsonl", data)))
    return [anime_id_for(min(e["sources"])) for e in data[:6]]


def video_ids() -> dict[str, list[str]]:
    """Alice's topic and a published video (with files; statistics from a counting
    publisher)."""
    video_studio(_C, publisher=CountingPublisher())
    topic = add_topic(_C, "alice")
    RESTORE.update(dict.fromkeys(("PATCH /video/topics/{topic_id}",
                                  "DELETE /video/topics/{topic_id}"), topic))  # fmt: skip
    published = finished_video(_C, "alice", topic.topic_id)
    return {"topic_id": [topic.topic_id], "video_id": [published.video_id]}


def support_ids() -> dict[str, list[Any]]:
    """Alice's tenant: documents (one approved, three pending: decisions can succeed), a
    ticket and a conversation."""
    from mangaflow.support.ingest import ingest
    from mangaflow.support.service import support
    from mangaflow.support.tenancy import Principal
    from mangaflow.support.workflow import decide, submit, system

    sup, admin = support(_C), Principal("fuzz", "alice", frozenset({"admin"}))
    docs = []
    for i in range(4):
        v = submit(sup, admin, f"doc{i}.md", f"# Doc {i}\n\nRefunds take {i + 2} days.\n".encode())
        ingest(sup.desk, system("fuzz"), v.doc_id, v.version)
        docs.append(v.doc_id)
    decide(sup, admin, docs[0], 1, "approve")
    ticket = sup.tickets.create_ticket(admin, "Parcel lost", "")
    final = list(sup.agent.chat(admin, "How long do refunds take?"))[-1]
    return {
        "doc_id": docs,
        "version": [1],
        "ticket_id": [ticket.ticket_id],
        "conversation_id": [final.conversation_id],
    }  # type: ignore[union-attr]


@pytest.fixture(scope="module", autouse=True)
def real_ids() -> dict[str, list[Any]]:
    """Alice's finished episode, a batch and a failed request (to resume) for the fuzzer."""
    if not REAL:
        ids = Api(_C).make_episode()
        batch = start_batch(_C, "alice", 1)
        failed = submit_preferences(_C, "alice", VALID_PREFS, publish=False)
        _C.requests.mark_finished(failed.request_id, "FAILED", error="image provider: 503")
        REAL.update({
            "request_id": [ids["request"], batch["batchId"], failed.request_id],
            "story_id": [ids["story"]],
            "episode_id": [ids["episode"]], "kind": ["pdf", "cbz", "mp4", "vtt"], "panel": [1, 2],
            "anime_id": catalog_with_reviews(), **video_ids(), **support_ids(),
        })  # fmt: skip
    return REAL


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
    suppress_health_check=list(HealthCheck), print_blob=False,
    phases=[Phase.explicit, Phase.generate, Phase.target, Phase.shrink],
)  # fmt: skip
def test_fuzz_no_server_errors_and_one_error_shape(case: schemathesis.Case) -> None:
    authorize(case)
    case.call_and_validate(checks=[not_a_server_error, error_shape])


def authorize(case: schemathesis.Case) -> None:
    """Give alice's token to the coverage/examples phases' cases (they skip the generation
    hooks), except those probing the Authorization header itself; otherwise nearly all of
    them would stop at 401 before their bodies and ids are looked at."""
    meta = case.meta
    if meta is None or meta.phase.name == "fuzzing":
        return
    if (meta.phase.data.parameter or "").lower() == "authorization":
        return
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    case.headers = {**headers, "Authorization": _ALICE}


#: Operations the fuzzer cannot make succeed: its multipart bodies carry no file name, which
#: an upload needs (the upload's success path is tested in tests/api/test_support_api.py).
NEVER_2XX = ("POST /support/documents",)


def test_fuzzing_reached_every_operation_past_auth() -> None:
    """The hooks work: each operation was called, and ones taking ids also answered 2xx (real
    ids with alice's token) as well as 4xx (generated ids, bob, bad tokens)."""
    if not SEEN:
        pytest.skip("the fuzz test did not run in this session")
    print("\nfuzz responses per operation:")
    for label, codes in sorted(SEEN.items()):
        print(f"  {label}: {sum(codes.values())} calls, {dict(sorted(codes.items()))}")
    operations = {f"{method.upper()} {path}" for path, ops in create_app(lambda: _C).openapi()["paths"].items()
                  for method in ops}  # fmt: skip
    assert set(SEEN) == operations, sorted(operations ^ set(SEEN))
    for label, codes in SEEN.items():
        assert sum(codes.values()) >= 10, (label, codes)
        assert not any(code >= 500 for code in codes), (label, codes)
        if label not in ("GET /health", *NEVER_2XX):
            assert any(200 <= code < 300 for code in codes), (label, codes)
            assert any(400 <= code < 500 for code in codes), (label, codes)
