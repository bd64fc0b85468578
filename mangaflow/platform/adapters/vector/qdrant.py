"""The ``qdrant`` vector index: one class for Qdrant's embedded local mode (the default:
files under ``<MANGAFLOW_HOME>/qdrant``), an in-memory store (tests), a Qdrant server or
Qdrant Cloud (``MANGAFLOW_QDRANT_URL`` + ``MANGAFLOW_QDRANT_API_KEY``), all through
``qdrant_client.QdrantClient``.

* Ids: our string ids become uuid5 point ids; the original is kept in the payload under
  :data:`ID_KEY` and removed on the way out.
* Vectors: cosine distance (Qdrant stores cosine vectors normalised; so does the mirror).
* Filters: :class:`VectorFilter` → ``models.Filter`` (``must`` / ``must_not`` with
  ``MatchValue``, ``MatchAny``, ``Range``); payload indexes for ``indexed`` fields on a server.
* Local mode (path or ``:memory:``) is kept for storage but searched exactly by an in-process
  numpy mirror (:mod:`.exact`): local mode alone is brute force with its filter run in Python
  (0.1-0.6 s per search at 40k points here). Its "more than 20,000 points" warning is
  silenced on purpose for that reason. ``exact=False`` searches through Qdrant itself (the
  server path's code, which the contract suite also runs on ``:memory:``).

Local mode takes a file lock on its directory: one process at a time opens it.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
import uuid
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from mangaflow.platform.adapters.vector.exact import ExactIndex
from mangaflow.platform.errors import (
    ConfigError,
    MangaFlowError,
    ProviderAuthError,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
)
from mangaflow.platform.ports import VectorFilter, VectorHit, VectorIndex, VectorPoint

#: Payload key holding our string id (reserved: a caller's payload may not use it).
ID_KEY = "_mf_id"
NAMESPACE = uuid.UUID("6f1c1d2e-8a4b-5c3d-9e7f-0a1b2c3d4e5f")
BATCH = 256
SCHEMAS = {"keyword", "integer", "float", "bool"}
URL_SETTING = "MANGAFLOW_QDRANT_URL"


def point_id(id_: str) -> str:
    """The Qdrant point id (a UUID string) of our id."""
    return str(uuid.uuid5(NAMESPACE, id_))


def to_filter(flt: VectorFilter | None, exclude_ids: Sequence[str] = ()) -> Any:
    """``flt`` (and ids to leave out) as a ``qdrant_client.models.Filter`` (None: no filter)."""
    from qdrant_client import models as m

    must: list[Any] = []
    must_not: list[Any] = []
    if flt is not None:
        for key, value in flt.equals.items():
            must.append(m.FieldCondition(key=key, match=m.MatchValue(value=value)))
        for key, options in flt.any_of.items():
            if not options:
                must.append(m.HasIdCondition(has_id=[]))  # nothing matches an empty choice
            else:
                must.append(m.FieldCondition(key=key, match=m.MatchAny(any=list(options))))
        for key, options in flt.all_of.items():
            must += [m.FieldCondition(key=key, match=m.MatchValue(value=o)) for o in options]
        for key, (low, high) in flt.ranges.items():
            must.append(m.FieldCondition(key=key, range=m.Range(gte=low, lte=high)))
        for key, banned in flt.exclude.items():
            must_not += [m.FieldCondition(key=key, match=m.MatchValue(value=b)) for b in banned]
    if exclude_ids:
        must_not.append(m.HasIdCondition(has_id=[point_id(i) for i in exclude_ids]))
    if not must and not must_not:
        return None
    return m.Filter(must=must or None, must_not=must_not or None)


def _unit(vector: Sequence[float], dim: int, what: str) -> np.ndarray:
    v = np.asarray(vector, dtype=np.float32).reshape(-1)
    if v.shape[0] != dim:
        raise ConfigError(f"{what} has {v.shape[0]} dimensions; the collection holds {dim}")
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else v


def _out(payload: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (payload or {}).items() if k != ID_KEY}


class QdrantVectorIndex(VectorIndex):
    """See the module. ``location=":memory:"``, ``path=...`` or ``url=...`` (+ ``api_key``);
    or a ready ``client`` (``local`` says whether it is embedded)."""

    name = "qdrant"

    def __init__(
        self, settings: Any = None, *, location: str | None = None, path: str | None = None,
        url: str | None = None, api_key: str | None = None, client: Any = None,
        local: bool | None = None, exact: bool = True, timeout: float | None = None,
    ) -> None:  # fmt: skip
        from qdrant_client import QdrantClient

        if settings is not None and not (location or path or url or client):
            url = settings.qdrant_url.strip() or None
            api_key = settings.qdrant_api_key.get_secret_value() or None
            timeout = timeout or settings.http_timeout_seconds
            if url is None:
                settings.qdrant_dir.mkdir(parents=True, exist_ok=True)
                path = str(settings.qdrant_dir)
        if client is None:
            if url:
                client = QdrantClient(url=url, api_key=api_key, timeout=int(timeout or 60),
                                      check_compatibility=False)  # fmt: skip
            elif path:
                try:
                    client = QdrantClient(path=str(path))
                except RuntimeError as exc:  # portalocker: the folder is another client's
                    if "already accessed" not in str(exc):
                        raise
                    raise ConfigError(
                        f"the embedded vector index at {path} is open in another process (one "
                        "process at a time: the CLI, the API server or the dashboard); stop it, "
                        "or run a Qdrant server and set MANGAFLOW_QDRANT_URL"
                    ) from exc
            else:
                client = QdrantClient(location=location or ":memory:")
            local = not url
        self.client = client
        if path:  # closed before interpreter shutdown (its __del__ then fails noisily)
            atexit.register(_close_quietly, client)
        self.local = bool(local) if local is not None else False
        self.url = url or ""
        self.exact = exact and self.local
        self._mirrors: dict[str, ExactIndex] = {}
        self._dims: dict[str, int] = {}
        self._ensured: set[tuple[str, int, frozenset[tuple[str, str]]]] = set()
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ plumbing

    @contextmanager
    def _mapped(self, what: str) -> Iterator[None]:
        """Qdrant client failures as MangaFlow errors (the API key never appears)."""
        from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

        where = f"Qdrant at {self.url}" if self.url else "the local Qdrant index"
        try:
            yield
        except MangaFlowError:
            raise
        except UnexpectedResponse as exc:
            code = exc.status_code
            if code in (401, 403):
                raise ProviderAuthError(
                    f"{where} refused the credentials ({code}) for {what}; check "
                    "MANGAFLOW_QDRANT_API_KEY"
                ) from exc
            if code == 429:
                raise ProviderRateLimited(f"{where} is rate limiting ({what})") from exc
            if code is not None and code >= 500:
                raise ProviderUnavailable(f"{where} is unavailable ({code}) for {what}") from exc
            raise ProviderError(f"{where} rejected {what} ({code}): {exc.reason_phrase}") from exc
        except ResponseHandlingException as exc:
            raise ProviderUnavailable(f"{where} could not be reached for {what}") from exc

    def _dim(self, collection: str) -> int:
        if collection not in self._dims:
            with self._mapped(f"collection {collection!r}"):
                if not self.client.collection_exists(collection):
                    from mangaflow.platform.errors import NotFound

                    raise NotFound(f"no vector collection {collection!r}; ensure_collection first")
                params = self.client.get_collection(collection).config.params.vectors
            self._dims[collection] = int(params.size)
        return self._dims[collection]

    def _mirror(self, collection: str) -> ExactIndex:
        """The exact mirror of ``collection`` (loaded from the local files on first use)."""
        with self._lock:
            mirror = self._mirrors.get(collection)
            if mirror is None:
                mirror = ExactIndex(self._dim(collection))
                offset = None
                while True:
                    records, offset = self.client.scroll(
                        collection, limit=1024, offset=offset, with_payload=True,
                        with_vectors=True,
                    )  # fmt: skip
                    mirror.upsert(
                        (str((r.payload or {}).get(ID_KEY)), np.asarray(r.vector, np.float32),
                         _out(r.payload)) for r in records
                    )  # fmt: skip
                    if offset is None:
                        break
                self._mirrors[collection] = mirror
            return mirror

    # ------------------------------------------------------------------ the port

    def ensure_collection(
        self, collection: str, dim: int, indexed: Mapping[str, str] = {}  # noqa: B006
    ) -> None:
        from qdrant_client import models as m

        unknown = {k: v for k, v in indexed.items() if v not in SCHEMAS}
        if unknown:
            raise ConfigError(f"unknown payload index types {unknown}; use one of {sorted(SCHEMAS)}")
        done = (collection, dim, frozenset(indexed.items()))
        if done in self._ensured:  # every search ensures: no round trips after the first
            return
        with self._lock, self._mapped(f"creating collection {collection!r}"):
            if self.client.collection_exists(collection):
                have = self._dim(collection)
                if have != dim:
                    raise ConfigError(
                        f"vector collection {collection!r} holds vectors of {have} dimensions, "
                        f"not {dim}: use another collection name or recreate it"
                    )
            else:
                self.client.create_collection(
                    collection, vectors_config=m.VectorParams(size=dim, distance=m.Distance.COSINE)
                )
                self._dims[collection] = dim
            if not self.local:  # payload indexes do nothing in local mode
                for key, schema in indexed.items():
                    self.client.create_payload_index(collection, field_name=key,
                                                     field_schema=schema)  # fmt: skip
            self._ensured.add(done)

    def upsert(self, collection: str, points: Sequence[VectorPoint]) -> None:
        from qdrant_client import models as m

        dim = self._dim(collection)
        for start in range(0, len(points), BATCH):
            chunk = points[start : start + BATCH]
            rows = []
            for p in chunk:
                if ID_KEY in p.payload:
                    raise ConfigError(f"payload key {ID_KEY!r} is reserved (point {p.id!r})")
                if p.vector is None:
                    raise ConfigError(f"point {p.id!r} has no vector; upsert needs one")
                rows.append((p.id, _unit(p.vector, dim, f"point {p.id!r}"), dict(p.payload)))
            structs = [m.PointStruct(id=point_id(i), vector=v.tolist(), payload={**pl, ID_KEY: i})
                       for i, v, pl in rows]  # fmt: skip
            with self._mapped(f"upserting into {collection!r}"), warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="Local mode is not recommended")
                self.client.upsert(collection, points=structs, wait=True)
            if self.exact:
                self._mirror(collection).upsert(rows)

    def set_payload(self, collection: str, ids: Sequence[str], payload: Mapping[str, Any]) -> None:
        if ID_KEY in payload:
            raise ConfigError(f"payload key {ID_KEY!r} is reserved")
        known = [p.id for p in self.get(collection, ids)]
        if not known or not payload:
            return
        with self._mapped(f"updating payloads in {collection!r}"):
            self.client.set_payload(collection, payload=dict(payload),
                                    points=[point_id(i) for i in known], wait=True)  # fmt: skip
        if self.exact:
            self._mirror(collection).set_payload(known, payload)

    def delete(self, collection: str, ids: Sequence[str]) -> None:
        from qdrant_client import models as m

        if not ids:
            return
        with self._mapped(f"deleting from {collection!r}"):
            self.client.delete(collection, wait=True, points_selector=m.PointIdsList(
                points=[point_id(i) for i in ids]))  # fmt: skip
        if self.exact:
            self._mirror(collection).delete(ids)

    def get(self, collection: str, ids: Sequence[str], with_vectors: bool = False) -> list[VectorPoint]:
        self._dim(collection)
        if not ids:
            return []
        with self._mapped(f"reading from {collection!r}"):
            records = self.client.retrieve(collection, ids=[point_id(i) for i in ids],
                                           with_payload=True, with_vectors=with_vectors)  # fmt: skip
        found = {str((r.payload or {}).get(ID_KEY)): r for r in records}
        out = []
        for id_ in dict.fromkeys(ids):
            r = found.get(id_)
            if r is not None:
                vector = [float(x) for x in r.vector] if with_vectors and r.vector else None
                out.append(VectorPoint(id=id_, vector=vector, payload=_out(r.payload)))
        return out

    def search(
        self, collection: str, vector: Sequence[float], *, limit: int = 10,
        filter: VectorFilter | None = None, exclude_ids: Sequence[str] = (),  # noqa: A002
    ) -> list[VectorHit]:  # fmt: skip
        query = _unit(vector, self._dim(collection), "the query vector")
        if limit <= 0:
            return []
        if self.exact:
            hits = self._mirror(collection).search(query, limit, filter, exclude_ids)
            return [VectorHit(id=i, score=s, payload=p) for i, s, p in hits]
        with self._mapped(f"searching {collection!r}"):
            points = self.client.query_points(
                collection, query=query.tolist(), limit=limit, with_payload=True,
                query_filter=to_filter(filter, exclude_ids),
            ).points  # fmt: skip
        return [VectorHit(id=str((p.payload or {}).get(ID_KEY)), score=float(p.score),
                          payload=_out(p.payload)) for p in points]  # fmt: skip

    def count(self, collection: str, filter: VectorFilter | None = None) -> int:  # noqa: A002
        self._dim(collection)
        if self.exact:
            return self._mirror(collection).count(filter)
        with self._mapped(f"counting {collection!r}"):
            return int(self.client.count(collection, count_filter=to_filter(filter),
                                         exact=True).count)  # fmt: skip

    def close(self) -> None:
        with self._lock:
            self._mirrors.clear()
            self.client.close()


def _close_quietly(client: Any) -> None:
    with contextlib.suppress(Exception):
        client.close()


def register(registry: Any) -> None:
    registry.add_vector("qdrant", QdrantVectorIndex)


__all__ = ["ID_KEY", "QdrantVectorIndex", "point_id", "register", "to_filter"]
