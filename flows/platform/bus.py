"""Domain events as Prefect deployment runs (``event_bus=prefect``).

Publishing an event that starts a stage creates a flow run of that stage's deployment with the
event's camelCase detail as the ``event`` parameter, and returns at once (a worker runs it).
The event id is the run's idempotency key, so an event published twice starts one run.
Events no deployment handles (completions, failures) are ignored.

Prefect is imported inside the methods only: importing this module (or the core) never
imports Prefect.

Errors: a missing deployment → :class:`ConfigError` naming it (``prefect deploy --all``
creates them); the API unreachable or answering 5xx → :class:`ProviderUnavailable`
(retryable; the Prefect client itself already retries 503s from a busy SQLite server);
other refusals → :class:`ProviderError`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any
from uuid import UUID

from mangaflow.platform.errors import (
    ConfigError,
    MangaFlowError,
    ProviderError,
    ProviderUnavailable,
)
from mangaflow.platform.events import DomainEvent
from mangaflow.platform.ports import EventBus
from mangaflow.products import routes

#: Returns a context manager yielding a ``prefect.client.orchestration.SyncPrefectClient``.
ClientFactory = Callable[[], AbstractContextManager[Any]]


class PrefectDeploymentBus(EventBus):
    """Starts the deployment mapped to each event's detail-type (by default the route table's,
    :func:`mangaflow.products.routes`).

    Without ``client_factory`` a run is started with ``prefect.deployments.run_deployment``
    (``timeout=0``: does not wait; ``as_subflow=False``: the next stage is its own run, not a
    child of the publishing flow). With ``client_factory`` (e.g. a client for another API
    URL, or a test double) the same is done through that client: the deployment is read by
    name once and runs are created with ``create_flow_run_from_deployment``.
    """

    def __init__(
        self,
        deployments: Mapping[str, str] | None = None,
        client_factory: ClientFactory | None = None,
    ) -> None:
        self.deployments = dict(routes().deployments() if deployments is None else deployments)
        for detail_type, name in self.deployments.items():
            if name.count("/") != 1 or not all(name.split("/")):
                raise ConfigError(
                    f"deployment for {detail_type!r} must be 'flow-name/deployment-name', "
                    f"got {name!r}"
                )
        self.client_factory = client_factory
        self._ids: dict[str, UUID] = {}
        self._lock = threading.Lock()

    def deployment_for(self, event: DomainEvent) -> str | None:
        """The ``flow/deployment`` name that handles ``event``, or ``None``."""
        return self.deployments.get(event.detail_type)

    def publish(self, event: DomainEvent) -> None:
        name = self.deployment_for(event)
        if name is None:
            return
        parameters = {"event": event.detail()}
        try:
            if self.client_factory is None:
                from prefect.deployments import run_deployment

                run_deployment(
                    name,
                    parameters=parameters,
                    timeout=0,
                    idempotency_key=event.event_id,
                    as_subflow=False,
                    _sync=True,  # type: ignore[call-arg]  # a coroutine in async contexts otherwise
                )
            else:
                self._create_run(name, parameters, event.event_id)
        except MangaFlowError:
            raise
        except Exception as exc:
            raise map_prefect_error(exc, name) from exc

    def _create_run(self, name: str, parameters: dict[str, Any], key: str) -> None:
        assert self.client_factory is not None
        with self.client_factory() as client:
            deployment_id = self._ids.get(name)
            if deployment_id is None:
                deployment_id = client.read_deployment_by_name(name).id
                with self._lock:
                    self._ids[name] = deployment_id
            client.create_flow_run_from_deployment(
                deployment_id, parameters=parameters, idempotency_key=key
            )


def map_prefect_error(exc: BaseException, deployment: str) -> MangaFlowError:
    """The MangaFlow error for a failure to start ``deployment``."""
    import httpx
    from prefect.exceptions import ObjectNotFound

    if isinstance(exc, ObjectNotFound):
        return ConfigError(
            f"Prefect deployment {deployment!r} does not exist; create it with "
            f"`prefect deploy --all` (prefect.yaml) against PREFECT_API_URL"
        )
    if isinstance(exc, httpx.HTTPStatusError):
        status = exc.response.status_code
        if status >= 500 or status == 429:
            return ProviderUnavailable(f"the Prefect API answered {status} starting {deployment!r}")
        return ProviderError(f"the Prefect API refused to start {deployment!r} ({status})")
    if isinstance(exc, httpx.TransportError | OSError):
        return ProviderUnavailable(
            f"cannot reach the Prefect API to start {deployment!r}: {type(exc).__name__}; "
            f"check PREFECT_API_URL"
        )
    return ProviderError(f"starting Prefect deployment {deployment!r} failed: {exc}")


def register(registry: Any) -> None:
    registry.add_bus("prefect", lambda settings: PrefectDeploymentBus())
