"""What every contract shares: the port it checks and the adapter a subclass declares."""

from __future__ import annotations

from typing import Any, ClassVar


class Contract:
    """Base of the contract suites. ``port`` is set by each contract; a test subclass sets
    ``adapter`` to the class it checks (the coverage test in ``tests/contract`` reads it to
    find ports and adapters without a suite)."""

    port: ClassVar[type]
    adapter: ClassVar[type]

    def check_declared_adapter(self, instance: Any) -> None:
        adapter = getattr(type(self), "adapter", None)
        assert isinstance(adapter, type), f"{type(self).__name__} must set adapter = <class>"
        assert issubclass(adapter, self.port), f"{adapter.__name__} is not a {self.port.__name__}"
        assert isinstance(instance, adapter), (
            f"the fixture made a {type(instance).__name__}, not the declared {adapter.__name__}"
        )
