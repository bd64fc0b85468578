"""The offline providers (no network, no weights) pass the text, image and insights contracts
(:mod:`mangaflow.testing.models`). They call no remote provider, so the failure-mapping
tests are skipped for them."""

from __future__ import annotations

from typing import NoReturn

import pytest

from mangaflow.manga.art.engine import OfflineImageModel
from mangaflow.manga.taste import OfflineInsights
from mangaflow.manga.writer.model import OfflineTextModel
from mangaflow.testing.models import ImageModelContract, TasteInsightsContract, TextModelContract

NO_PROVIDER = "offline: there is no remote provider that could fail"


@pytest.fixture
def make_failing() -> NoReturn:
    pytest.skip(NO_PROVIDER)


class TestOfflineTextModel(TextModelContract):
    adapter = OfflineTextModel

    @pytest.fixture
    def model(self) -> OfflineTextModel:
        return OfflineTextModel()


class TestOfflineImageModel(ImageModelContract):
    adapter = OfflineImageModel

    @pytest.fixture
    def model(self) -> OfflineImageModel:
        return OfflineImageModel()


class TestOfflineInsights(TasteInsightsContract):
    adapter = OfflineInsights

    @pytest.fixture
    def provider(self) -> OfflineInsights:
        return OfflineInsights()
