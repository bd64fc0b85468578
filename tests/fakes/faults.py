"""Fault injection for the loopback OpenAI-compatible fake (:mod:`tests.fakes.openai_server`).

A :class:`FaultPlan` decides, for every call the fake receives, whether it fails and how —
deterministically from a seed: the decision for a call depends only on the seed, the
endpoint, the request body and how many times that same body was sent before, never on the
order concurrent calls happen to arrive in. The same run with the same seed meets the same
faults. Kinds (:data:`KINDS`):

``500``        an HTTP 500 error body
``429``        an HTTP 429 with ``Retry-After: <retry_after>``
``hang``       no answer at all until the client gives up (``hang_seconds``, or the fake stops)
``reset``      the connection is reset (TCP RST) after the request is read
``truncated``  a 200 whose JSON body is cut short (Content-Length matches the cut body)
``corrupt``    images: a 200 whose PNG is cut short or has a damaged byte (valid base64,
               valid JSON); chat: a 200 whose body is an HTML gateway page, not JSON
``401``        a permanent fault (bad key) — never drawn at random, only scripted

::

    plan = FaultPlan(rate=0.3, seed=7)                  # 30 % of calls, kinds at random
    plan = FaultPlan(image_script=["corrupt"])          # only the first image call fails
    with FakeOpenAIServer(faults=plan) as server: ...
    plan.injected                                       # Counter of faults by kind
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import random
import socket
import struct
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Transient fault kinds drawn at random.
KINDS: tuple[str, ...] = ("500", "429", "hang", "reset", "truncated", "corrupt")
#: Faults no retry can fix.
PERMANENT: tuple[str, ...] = ("401",)
GATEWAY_PAGE = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


@dataclass(frozen=True)
class Fault:
    """One injected fault: the call's index (arrival order), endpoint and kind."""

    index: int
    endpoint: str  # "text", "image" or "speech"
    kind: str


@dataclass(kw_only=True, eq=False)
class FaultPlan:
    """Which calls fail and how (see the module). ``rate`` of calls fail at random with one of
    ``kinds``; before that, ``text_script`` / ``image_script`` / ``speech_script`` give the
    fault (or None) of the next text / image / speech calls, one each. Observed: ``calls``, ``calls_by_endpoint``,
    ``injected`` (Counter by kind) and ``log`` (every :class:`Fault`)."""

    rate: float = 0.0
    seed: int = 0
    kinds: tuple[str, ...] = KINDS
    text_script: list[str | None] = field(default_factory=list)
    image_script: list[str | None] = field(default_factory=list)
    speech_script: list[str | None] = field(default_factory=list)
    retry_after: float = 1.0
    hang_seconds: float = 600.0
    calls: int = field(default=0, init=False)
    calls_by_endpoint: Counter[str] = field(default_factory=Counter, init=False)
    injected: Counter[str] = field(default_factory=Counter, init=False)
    log: list[Fault] = field(default_factory=list, init=False)
    _seen: Counter[str] = field(default_factory=Counter, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _released: threading.Event = field(default_factory=threading.Event, init=False, repr=False)

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(KINDS) - set(PERMANENT)
        if unknown or not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"bad fault plan: rate {self.rate}, unknown kinds {unknown}")

    def decide(self, endpoint: str, raw: bytes) -> tuple[str | None, random.Random]:
        """The fault (or None) for one call to ``endpoint`` with body ``raw``, and the call's
        own random generator (for the details of the fault)."""
        digest = hashlib.sha256(raw).hexdigest()
        with self._lock:
            self.calls += 1
            self.calls_by_endpoint[endpoint] += 1
            occurrence = self._seen[f"{endpoint}:{digest}"]
            self._seen[f"{endpoint}:{digest}"] += 1
            script = {"text": self.text_script,
                      "speech": self.speech_script}.get(endpoint, self.image_script)  # fmt: skip
            rng = random.Random(f"{self.seed}|{endpoint}|{digest}|{occurrence}")
            if script:
                kind = script.pop(0)
            else:
                draw = rng.random()
                kind = rng.choice(self.kinds) if draw < self.rate else None
            if kind is not None:
                self.injected[kind] += 1
                self.log.append(Fault(self.calls, endpoint, kind))
        return kind, rng

    @property
    def failed(self) -> int:
        return sum(self.injected.values())

    def hang(self) -> None:
        """Wait (answering nothing) until ``hang_seconds`` pass or :meth:`release`."""
        self._released.wait(self.hang_seconds)

    def release(self) -> None:
        """End every hang now (the fake is stopping)."""
        self._released.set()


def reset_connection(handler: Any) -> None:
    """Drop ``handler``'s connection with a TCP RST (SO_LINGER 0), answering nothing."""
    handler.close_connection = True
    conn: socket.socket = handler.connection
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.rfile.close()  # drop the makefile reference so close() really closes
        conn.close()
    except OSError:
        pass


def damage(kind: str, status: int, data: bytes, body: Any, rng: random.Random) -> bytes:
    """The bytes to send instead of ``data`` (the JSON of ``body``) for a ``truncated`` or
    ``corrupt`` fault on a 200 answer."""
    if status != 200:
        return data
    if kind == "truncated":
        return data[: max(1, int(len(data) * rng.uniform(0.2, 0.9)))]
    if kind != "corrupt":
        return data
    items = body.get("data") if isinstance(body, Mapping) else None
    if not (isinstance(items, list) and items and isinstance(items[0], Mapping)):
        return GATEWAY_PAGE  # a chat answer: an HTML page where JSON was expected
    png = base64.b64decode(items[0]["b64_json"])
    broken = corrupt_png(png, rng)
    item = dict(items[0], b64_json=base64.b64encode(broken).decode())
    return json.dumps(dict(body, data=[item, *items[1:]])).encode()


def corrupt_png(png: bytes, rng: random.Random) -> bytes:
    """``png`` cut short (half the time) or with one byte inside its image data inverted."""
    if rng.random() < 0.5:
        return png[: max(16, int(len(png) * rng.uniform(0.3, 0.95)))]
    start = png.find(b"IDAT")
    start = 64 if start < 0 else start + 8
    pos = rng.randrange(start, max(start + 1, len(png) - 16))
    out = bytearray(png)
    out[pos] ^= 0xFF
    return bytes(out)


def decodes(png: bytes) -> bool:
    """Whether ``png`` decodes completely (for tests of :func:`corrupt_png`)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(png)) as img:
            img.verify()
        with Image.open(io.BytesIO(png)) as img:
            img.load()
        return True
    except Exception:  # noqa: BLE001
        return False


__all__ = ["KINDS", "PERMANENT", "Fault", "FaultPlan", "corrupt_png", "damage", "decodes"]
