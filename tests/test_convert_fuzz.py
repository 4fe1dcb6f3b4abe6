"""Property tests: any JSON value gives a model or a DecodeError, never another exception.

Two sources of input: arbitrary JSON values, and "near-valid" objects made by mutating real
recorded objects (keys dropped, values nulled, values replaced by other JSON types, objects
wrapped in lists). Each is fed to every flavour's decoder for every model class. A second
property checks that the generated fast structuring functions and the cattrs-generated
detailed ones (which only explain failures) accept and produce exactly the same things.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from realdata import fixture_json

from booru_async._convert import _MODEL_ORDER, Context, Decoder, make_converter
from booru_async._errors import DecodeError
from booru_async._models import (
    Comment,
    Filter,
    Forum,
    ForumPost,
    Gallery,
    Image,
    Interaction,
    Oembed,
    Tag,
    Topic,
    User,
)

CONTEXTS = [
    Context(site="derpibooru", base_url="https://derpibooru.org", flavour="philomena"),
    Context(site="twibooru", base_url="https://twibooru.org", flavour="twibooru"),
    Context(site="derpibooru", base_url="https://derpibooru.org", flavour="legacy"),
]
DECODERS = [Decoder(ctx) for ctx in CONTEXTS]
MODELS: tuple[type, ...] = _MODEL_ORDER


def _first(name: str, member: str | None) -> dict[str, Any]:
    raw = fixture_json(name)
    return (raw[member] if member else raw)[0]  # type: ignore[no-any-return]


def _samples() -> list[dict[str, Any]]:
    real = [
        _first("derpibooru/search-images-2020-04-early-philomena.json", "images"),
        _first("derpibooru/appledash-2024-11-images.json", "images"),
        _first("derpibooru-legacy/search-json-2016-09.json", "search"),
        _first("derpibooru/search-tags-2020-04.json", "tags"),
        _first("derpibooru-legacy/tags-json-2017-09.json", None),
        _first("derpibooru/appledash-2024-11-comments.json", "comments"),
        _first("derpibooru/appledash-2024-11-posts.json", "posts"),
        _first("derpibooru/appledash-2024-11-topics.json", "topics"),
        _first("derpibooru/appledash-2024-11-forums.json", "forums"),
        _first("derpibooru/appledash-2024-11-galleries.json", "galleries"),
        _first("derpibooru/appledash-2024-11-filters.json", None),
        _first("derpibooru/appledash-2024-11-users.json", None),
    ]
    built = [
        {"image_id": 1, "user_id": 2, "interaction_type": "faved", "value": ""},
        {"type": "photo", "version": "1.0", "derpibooru_id": 1, "derpibooru_score": 2,
         "derpibooru_comments": 3, "derpibooru_tags": ["safe"], "author_url": "",
         "thumbnail_url": "//cdn/x.png"},
        {"id": 5, "created_at": "2012-01-02T03:12:33Z", "updated_at": "2012-01-02T03:12:33Z",
         "first_seen_at": "2012-01-02T03:12:33", "duplicate_of": 4, "deletion_reason": None,
         "hidden_from_users": True},
        {"id": "55", "body": "Deleted", "author": "a", "image_id": "1",
         "posted_at": "2016-09-13T21:54:32.750Z", "deleted": True},
        {"id": 7, "name": "artist:foo bar", "slug": "artist-colon-foo+bar",
         "aliased_tag": "x y", "aliases": ["a b"], "implied_tags": "c, d",
         "implied_by_tags": [], "dnp_entries": [{"id": 1, "dnp_type": "x", "conditions": "",
                                                 "reason": None,
                                                 "created_at": "2020-01-01T00:00:00Z"}]},
    ]
    return real + built


SAMPLES = _samples()

# Arbitrary JSON values (ints beyond 64 bits, NaN and infinities included: a decoder must
# reject them cleanly too, even though orjson never produces some of them).
scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=12,
)
# Values that look like the real ones: timestamps, digit strings, URLs, comma lists.
plausible = st.sampled_from([
    "2020-04-07T17:06:38", "2016-09-13T21:54:35.6214Z", "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00", "not a date", "", "12", "//cdn/x.png", "/img/x.png",
    "data:image/svg+xml;base64,AA==", "a, b", "9" * 5000, "Deleted", "up", 0, -1, 2**70, 0.5,
    float("nan"), True, [], {}, [None], ["1", 2],
])


@st.composite
def near_valid(draw: st.DrawFn) -> Any:
    """A real or doc-built object with a few random mutations, possibly nested."""
    obj: Any = copy.deepcopy(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        # Walk down into a nested object or list sometimes (representations, awards, ...).
        target = obj
        while True:
            nested = [k for k, v in target.items() if isinstance(v, dict | list) and v]
            if not nested or not draw(st.booleans()):
                break
            child = target[draw(st.sampled_from(sorted(nested)))]
            if isinstance(child, list):
                dicts = [item for item in child if isinstance(item, dict)]
                if not dicts:
                    break
                child = draw(st.sampled_from(dicts))
            target = child
        if not target:
            continue
        key = draw(st.sampled_from(sorted(target)))
        action = draw(st.sampled_from(["drop", "null", "swap", "plausible", "wrap", "add"]))
        if action == "drop":
            del target[key]
        elif action == "null":
            target[key] = None
        elif action == "swap":
            target[key] = draw(json_values)
        elif action == "plausible":
            target[key] = draw(plausible)
        elif action == "wrap":
            target[key] = [target[key]]
        else:
            target[draw(st.text(max_size=8))] = draw(json_values)
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        obj = draw(st.sampled_from([[obj], None, "obj", 1]))
    return obj


FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _model_or_decode_error(raw: Any) -> None:
    for decoder in DECODERS:
        for cls in MODELS:
            try:
                result: Any = decoder.structure(raw, cls)
            except DecodeError as exc:
                result = exc
            if isinstance(result, DecodeError):
                assert result.message and result.excerpt is not None  # says something
            else:
                assert type(result) is cls
        try:
            items = decoder.structure_list(raw, Image)
        except DecodeError:
            pass
        else:
            assert all(type(item) is Image for item in items)


@FUZZ
@given(json_values)
def test_any_json_value_gives_a_model_or_decode_error(raw: Any) -> None:
    _model_or_decode_error(raw)


@FUZZ
@given(near_valid())
def test_near_valid_objects_give_a_model_or_decode_error(raw: Any) -> None:
    _model_or_decode_error(raw)


def _outcome(conv: Any, raw: Any, cls: type) -> tuple[str, Any]:
    try:
        value = conv.structure(raw, cls)
    except Exception as exc:  # the property: both sides fail together, whatever the type
        return ("error", type(exc).__name__)
    return ("ok", value)


@FUZZ
@given(near_valid())
def test_fast_and_detailed_converters_agree(raw: Any) -> None:
    for ctx in CONTEXTS:
        fast, detailed = make_converter(ctx), make_converter(ctx, detailed=True)
        for cls in (Image, Tag, Comment, ForumPost, Topic, Forum, Gallery, Filter, User,
                    Oembed, Interaction):
            got_fast = _outcome(fast, raw, cls)
            got_detailed = _outcome(detailed, raw, cls)
            assert got_fast[0] == got_detailed[0], (cls, got_fast, got_detailed)
            if got_fast[0] == "ok":
                # near_valid() plants float("nan"), and nan != nan: equal reprs are agreement.
                assert got_fast[1] == got_detailed[1] or repr(got_fast[1]) == repr(got_detailed[1])
                assert got_fast[1].extra == got_detailed[1].extra


@pytest.mark.parametrize("raw", SAMPLES, ids=range(len(SAMPLES)))
def test_unmutated_samples_agree_too(raw: dict[str, Any]) -> None:
    test_fast_and_detailed_converters_agree.hypothesis.inner_test(raw)  # type: ignore[attr-defined]
