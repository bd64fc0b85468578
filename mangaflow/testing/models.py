"""Contract suites of the provider ports: :class:`TextModelContract`,
:class:`ImageModelContract` and :class:`TasteInsightsContract`.

They check what the pipeline relies on when it calls a provider:

* text — a ``story_bible`` or ``episode_script`` request is answered with text that parses
  as JSON valid against the request's ``json_schema``; the result names the provider (the
  adapter's registry ``name``, which keys prices and limits) and the model, and counts one
  call or more and no images;
* image — the answer is a PNG that decodes fully, at the size the adapter asked its
  provider for (:meth:`ImageModelContract.drawn_size`) and of the requested shape (the
  composer cover-crops it into the panel); usage counts one image; ``max_concurrency``
  calls at once on one instance are safe;
* insights — recommendations and trends are lists of dicts in the documented shape that
  survive a JSON round trip; usage counts the calls;
* every provider — failures surface as the :class:`~mangaflow.platform.errors.ProviderError`
  subclass the retry policy acts on: unavailable (5xx) and unreachable are
  :class:`ProviderUnavailable`, throttling :class:`ProviderRateLimited` (both retryable), bad
  credentials :class:`ProviderAuthError` and a content filter :class:`ContentRejected`
  (both permanent).

A subclass sets ``adapter``, provides the ``model`` (``provider`` for insights) fixture and
``make_failing``: a fixture returning ``make(failure) -> instance`` whose next call fails
that way (a loopback fake told to fail, a closed port for ``"unreachable"``); it calls
``pytest.skip`` for failures the adapter cannot have (an offline model has no provider).
"""

from __future__ import annotations

import io
import json
import math
import threading
from collections.abc import Callable
from typing import Any, ClassVar, Literal

import jsonschema
import pytest
from PIL import Image

from mangaflow.manga.domain.episode import EpisodeScript
from mangaflow.manga.domain.preferences import parse_preferences
from mangaflow.manga.domain.story import StoryBible
from mangaflow.manga.services.prompts import episode_messages, story_messages
from mangaflow.platform.errors import (
    ContentRejected,
    ProviderAuthError,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
)
from mangaflow.platform.ports import (
    ImageModel,
    ImageRequest,
    InsightsResult,
    TasteInsights,
    TextModel,
    TextRequest,
    TextResult,
    Usage,
)
from mangaflow.testing._base import Contract

__all__ = [
    "EXPECTED_ERRORS",
    "Failure",
    "ImageModelContract",
    "MakeFailing",
    "TasteInsightsContract",
    "TextModelContract",
    "episode_request",
    "image_request",
    "story_request",
]

Failure = Literal["unavailable", "rate_limited", "auth", "content", "unreachable"]
#: Returns an adapter instance whose next call fails in the given way.
MakeFailing = Callable[[Failure], Any]
#: failure → (the exact error class, its ``retryable``)
EXPECTED_ERRORS: dict[str, tuple[type[ProviderError], bool]] = {
    "unavailable": (ProviderUnavailable, True),
    "rate_limited": (ProviderRateLimited, True),
    "auth": (ProviderAuthError, False),
    "content": (ContentRejected, False),
    "unreachable": (ProviderUnavailable, True),
}
MODEL_FAILURES: tuple[Failure, ...] = ("unavailable", "rate_limited", "auth", "content",
                                       "unreachable")  # fmt: skip
INSIGHTS_FAILURES: tuple[Failure, ...] = ("unavailable", "rate_limited", "auth", "unreachable")

PREFERENCES: dict[str, Any] = {
    "genres": ["Action", "Fantasy"], "themes": ["Friendship"], "artStyle": "Modern",
    "targetAudience": "Teens", "contentRating": "PG-13",
}  # fmt: skip
EPISODE_PAGES = 4


# --------------------------------------------------------------------------- requests


def story_request(seed: int = 7) -> TextRequest:
    """The story-bible request the story stage sends (prompt, context and schema)."""
    prefs = parse_preferences(PREFERENCES)
    return TextRequest(
        task="story_bible", messages=story_messages(prefs, {}, 3),
        context={"preferences": prefs.wire(), "insights": {}, "episodes": 3},
        json_schema=StoryBible.model_json_schema(), seed=seed,
    )  # fmt: skip


def episode_request(bible: StoryBible, number: int = 1, seed: int = 7) -> TextRequest:
    """The episode-script request the episode stage sends for episode ``number``."""
    prefs = parse_preferences(PREFERENCES)
    return TextRequest(
        task="episode_script",
        messages=episode_messages(prefs, bible, number, [], EPISODE_PAGES),
        context={"preferences": prefs.wire(), "story": bible.model_dump(mode="json"),
                 "episode_number": number, "previous_summaries": [],
                 "pages": EPISODE_PAGES},  # fmt: skip
        json_schema=EpisodeScript.model_json_schema(), seed=seed,
    )


def image_request(width: int = 512, height: int = 768, seed: int = 3) -> ImageRequest:
    """A panel request as the image stage builds it."""
    return ImageRequest(
        prompt="Modern manga art, full colour. medium shot. Aki leaps across the rooftops. "
               "Setting: Neo-Kyoto at night.",
        negative_prompt="text, watermark, blurry", width=width, height=height, seed=seed,
        art_style="Modern", shot="medium", setting="Neo-Kyoto at night", setting_kind="city",
        description="Aki leaps across the rooftops",
    )  # fmt: skip


# --------------------------------------------------------------------------- checks


def check_usage(usage: Usage, *, images: int | None) -> None:
    assert isinstance(usage, Usage)
    assert usage.calls >= 1, "a call that reached the provider counts at least one call"
    for count in (usage.calls, usage.input_tokens, usage.output_tokens, usage.images):
        assert isinstance(count, int) and not isinstance(count, bool) and count >= 0
    if images is not None:
        assert usage.images == images


def check_identity(instance: Any) -> None:
    assert isinstance(instance.name, str) and instance.name.strip(), "name must be set"
    assert type(instance.offline) is bool


def check_failure(make_failing: MakeFailing, failure: Failure, call: Callable[[Any], Any]) -> None:
    expected, retryable = EXPECTED_ERRORS[failure]
    instance = make_failing(failure)
    with pytest.raises(ProviderError) as info:
        call(instance)
    assert type(info.value) is expected, f"{failure}: got {type(info.value).__name__}"
    assert info.value.retryable is retryable
    assert info.value.message


def check_json_answer(result: TextResult, request: TextRequest, model: TextModel) -> Any:
    assert isinstance(result, TextResult)
    assert isinstance(result.text, str)
    data = json.loads(result.text)
    jsonschema.validate(data, request.json_schema)
    assert result.provider == model.name, "usage and prices are keyed on the provider's name"
    assert isinstance(result.model, str) and result.model.strip()
    check_usage(result.usage, images=0)
    return data


# --------------------------------------------------------------------------- contracts


class TextModelContract(Contract):
    """What every :class:`TextModel` promises. Fixtures: ``model``, ``make_failing``."""

    port = TextModel

    def test_is_the_declared_adapter(self, model: TextModel) -> None:
        self.check_declared_adapter(model)

    def test_describes_itself(self, model: TextModel) -> None:
        check_identity(model)

    def test_answers_a_story_bible_with_json_valid_against_the_schema(
        self, model: TextModel
    ) -> None:
        request = story_request()
        check_json_answer(model.complete(request), request, model)

    def test_answers_an_episode_script_with_json_valid_against_the_schema(
        self, model: TextModel
    ) -> None:
        from mangaflow.manga.writer.model import OfflineTextModel

        bible = StoryBible.model_validate_json(OfflineTextModel().complete(story_request()).text)
        request = episode_request(bible)
        check_json_answer(model.complete(request), request, model)

    def test_concurrent_calls_on_one_instance(self, model: TextModel) -> None:
        results: dict[int, TextResult] = {}
        errors: list[BaseException] = []

        def one(seed: int) -> None:
            try:
                results[seed] = model.complete(story_request(seed))
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=one, args=(seed,)) for seed in (1, 2, 3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        for seed, result in results.items():
            check_json_answer(result, story_request(seed), model)
        assert sorted(results) == [1, 2, 3]

    @pytest.mark.parametrize("failure", MODEL_FAILURES)
    def test_provider_failures_are_mapped(
        self, make_failing: MakeFailing, failure: Failure
    ) -> None:
        check_failure(make_failing, failure, lambda m: m.complete(story_request()))


class ImageModelContract(Contract):
    """What every :class:`ImageModel` promises. Fixtures: ``model``, ``make_failing``;
    override :meth:`drawn_size` when the adapter maps sizes to the ones its provider
    accepts."""

    port = ImageModel
    #: The largest relative difference of aspect ratio from the request the composer accepts.
    max_shape_error: ClassVar[float] = 0.25

    def drawn_size(self, model: Any, request: ImageRequest) -> tuple[int, int]:
        """The size the adapter asks its provider to draw ``request`` at."""
        return request.width, request.height

    def test_is_the_declared_adapter(self, model: ImageModel) -> None:
        self.check_declared_adapter(model)

    def test_describes_itself(self, model: ImageModel) -> None:
        check_identity(model)
        limit = model.max_concurrency
        assert isinstance(limit, int) and not isinstance(limit, bool) and limit >= 1

    @pytest.mark.parametrize("size", [(512, 768), (1024, 1024), (1024, 640)])
    def test_draws_a_png_of_the_requested_shape(
        self, model: ImageModel, size: tuple[int, int]
    ) -> None:
        request = image_request(*size)
        result = model.generate(request)
        assert result.png[:8] == b"\x89PNG\r\n\x1a\n"
        with Image.open(io.BytesIO(result.png)) as img:
            assert img.format == "PNG"
            img.verify()  # chunk checksums
        with Image.open(io.BytesIO(result.png)) as img:
            img.load()  # every pixel decodes
            drawn = img.size
        assert drawn == self.drawn_size(model, request)
        shape_error = abs(math.log((drawn[0] / drawn[1]) / (size[0] / size[1])))
        assert shape_error <= math.log(1 + self.max_shape_error), (drawn, size)
        assert result.provider == model.name, "usage and prices are keyed on the provider's name"
        assert isinstance(result.model, str) and result.model.strip()
        check_usage(result.usage, images=1)

    def test_max_concurrency_calls_at_once_are_safe(self, model: ImageModel) -> None:
        width = min(4, model.max_concurrency)
        sizes: dict[int, tuple[int, int]] = {}
        errors: list[BaseException] = []

        def one(seed: int) -> None:
            try:
                png = model.generate(image_request(seed=seed)).png
                with Image.open(io.BytesIO(png)) as img:
                    img.load()
                    sizes[seed] = img.size
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=one, args=(seed,)) for seed in range(width)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        expected = self.drawn_size(model, image_request())
        assert sizes == {seed: expected for seed in range(width)}

    @pytest.mark.parametrize("failure", MODEL_FAILURES)
    def test_provider_failures_are_mapped(
        self, make_failing: MakeFailing, failure: Failure
    ) -> None:
        check_failure(make_failing, failure, lambda m: m.generate(image_request()))


class TasteInsightsContract(Contract):
    """What every :class:`TasteInsights` promises. Fixtures: ``provider``, ``make_failing``."""

    port = TasteInsights

    def test_is_the_declared_adapter(self, provider: TasteInsights) -> None:
        self.check_declared_adapter(provider)

    def test_describes_itself(self, provider: TasteInsights) -> None:
        check_identity(provider)

    @pytest.mark.parametrize(
        ("genres", "themes"), [(["Action", "Fantasy"], ["Friendship"]), (["Romance"], [])]
    )
    def test_recommendations_and_trends_in_the_documented_shape(
        self, provider: TasteInsights, genres: list[str], themes: list[str]
    ) -> None:
        result = provider.insights(iter(genres), iter(themes))  # any iterable
        assert isinstance(result, InsightsResult)
        assert isinstance(result.recommendations, list) and result.recommendations
        for rec in result.recommendations:
            assert isinstance(rec, dict)
            assert isinstance(rec["category"], str) and rec["category"].strip()
            assert isinstance(rec["score"], int | float) and 0 <= rec["score"] <= 1
            assert isinstance(rec["attributes"], dict)
        assert isinstance(result.trends, list)
        if themes:
            assert result.trends
        for trend in result.trends:
            assert isinstance(trend, dict)
            assert isinstance(trend["topic"], str) and trend["topic"].strip()
            assert isinstance(trend["popularity"], int | float) and 0 <= trend["popularity"] <= 1
        as_dict = result.as_dict()
        assert json.loads(json.dumps(as_dict)) == as_dict  # stored and put in prompts as JSON
        assert result.provider == provider.name
        check_usage(result.usage, images=0)

    @pytest.mark.parametrize("failure", INSIGHTS_FAILURES)
    def test_provider_failures_are_mapped(
        self, make_failing: MakeFailing, failure: Failure
    ) -> None:
        check_failure(make_failing, failure, lambda p: p.insights(["Action"], ["Friendship"]))
