"""Contract suites for MangaFlow's ports, shipped so that any adapter — built in or a
third-party plugin — can prove it honours its port (like ``fsspec.tests.abstract``).

One module per port family:

* :mod:`mangaflow.testing.storage` — :class:`ItemTableContract`, :class:`BlobStoreContract`
* :mod:`mangaflow.testing.events` — :class:`EventBusContract`
* :mod:`mangaflow.testing.models` — :class:`TextModelContract`, :class:`ImageModelContract`,
  :class:`TasteInsightsContract`
* :mod:`mangaflow.testing.vectors` — :class:`EmbedderContract`, :class:`VectorIndexContract`
* :mod:`mangaflow.testing.speech` — :class:`SpeechModelContract`

Each contract is a plain pytest-style class (no ``Test`` prefix, so it is not collected on
its own). Subclass it in a test module as ``Test<Adapter>``, set ``adapter`` to the class
under test and supply the fixtures its docstring names::

    from mangaflow.testing.models import TextModelContract

    class TestMyText(TextModelContract):
        adapter = MyText

        @pytest.fixture
        def model(self) -> MyText: ...

        @pytest.fixture
        def make_failing(self) -> MakeFailing: ...

It imports ``pytest`` and ``jsonschema``, which only the ``dev`` extra installs
(``pip install 'mangaflow[dev]'``); no other module of ``mangaflow`` imports this package
(``tests/contract/test_contract_coverage.py`` checks).
"""

from __future__ import annotations

import pytest

# Plain ``assert`` in the contracts reports values like a test module's would.
pytest.register_assert_rewrite(
    "mangaflow.testing._base",
    "mangaflow.testing.storage",
    "mangaflow.testing.events",
    "mangaflow.testing.models",
    "mangaflow.testing.vectors",
    "mangaflow.testing.speech",
)

from mangaflow.testing.events import EventBusContract  # noqa: E402
from mangaflow.testing.models import (  # noqa: E402
    ImageModelContract,
    TasteInsightsContract,
    TextModelContract,
)
from mangaflow.testing.speech import SpeechModelContract  # noqa: E402
from mangaflow.testing.storage import BlobStoreContract, ItemTableContract  # noqa: E402
from mangaflow.testing.vectors import EmbedderContract, VectorIndexContract  # noqa: E402

__all__ = [
    "BlobStoreContract",
    "EmbedderContract",
    "EventBusContract",
    "ImageModelContract",
    "ItemTableContract",
    "SpeechModelContract",
    "TasteInsightsContract",
    "TextModelContract",
    "VectorIndexContract",
]
