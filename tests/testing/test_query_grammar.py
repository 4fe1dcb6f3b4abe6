"""Conformance tests for the fake server's search-query language."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from query_corpus import (
    CASES,
    DOCUMENTS,
    GALLERY_MEMBERS,
    HIDDEN_BY_FILTER,
    IMAGES,
    NOW,
    Case,
    Err,
)

from booru_async.testing._query import (
    DEFAULT_FIELD,
    FIELDS,
    QueryError,
    compile_complex_filter,
    compile_query,
)


def _resolve_filter(filter_id: int) -> Any:
    hidden = HIDDEN_BY_FILTER.get(filter_id)
    if hidden is None:
        return None
    return lambda doc: bool(hidden.intersection(doc.get("tags", ())))


def _run(case: Case) -> list[int]:
    options = dict(case.options)
    watched_tag = options.pop("watched", None)
    if watched_tag is not None:
        options["watched"] = lambda doc: watched_tag in doc.get("tags", ())
    predicate = compile_query(
        case.query,
        index=case.index,  # type: ignore[arg-type]
        grammar=case.grammar,  # type: ignore[arg-type]
        now=NOW,
        user_id=case.user_id,
        resolve_gallery=GALLERY_MEMBERS.get,
        resolve_filter=_resolve_filter,
        **options,
    )
    return sorted(doc["id"] for doc in DOCUMENTS[case.index] if predicate(doc))


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 150
    assert len({case.label for case in CASES}) == len(CASES)
    assert sum(isinstance(case.expect, Err) for case in CASES) >= 40
    assert {case.index for case in CASES} == set(DOCUMENTS)


@pytest.mark.parametrize("case", CASES, ids=[case.label for case in CASES])
def test_corpus(case: Case) -> None:
    if isinstance(case.expect, Err):
        with pytest.raises(QueryError) as caught:
            _run(case)
        assert caught.value.message == case.expect.message
        assert str(caught.value) == case.expect.message
    else:
        assert _run(case) == case.expect


# --- interface details not covered by the corpus ------------------------------------------


def test_field_tables_cover_every_index() -> None:
    assert set(FIELDS) == set(DEFAULT_FIELD) == set(DOCUMENTS)
    assert FIELDS["images"]["score"] == "int"
    assert FIELDS["images"]["uploader_id"] == "numeric"
    assert FIELDS["images"]["description"] == "ngram"
    assert FIELDS["images"]["my"] == "custom"
    assert FIELDS["comments"]["created_at"] == "date"
    assert "my" not in FIELDS["tags"]
    assert DEFAULT_FIELD["images"] == "tags"
    with pytest.raises(TypeError):
        FIELDS["images"]["x"] = "int"  # type: ignore[index]


def test_non_string_query_is_rejected() -> None:
    with pytest.raises(QueryError) as caught:
        compile_query(42, index="tags", now=NOW)  # type: ignore[arg-type]
    assert caught.value.message == "search query is not a string"


def test_missing_query_matches_nothing() -> None:
    predicate = compile_query(None, index="images", now=NOW)
    assert not any(predicate(doc) for doc in IMAGES)


def test_relative_dates_follow_now() -> None:
    doc = {"id": 1, "created_at": NOW - timedelta(days=3, hours=1)}
    assert compile_query("created_at:3 days ago", index="images", now=NOW)(doc)
    later = NOW + timedelta(days=1)
    assert not compile_query("created_at:3 days ago", index="images", now=later)(doc)
    assert compile_query("created_at:4 days ago", index="images", now=later)(doc)


def test_naive_and_string_dates_are_utc() -> None:
    predicate = compile_query("created_at:2024-06-14T12", index="images", now=NOW)
    assert predicate({"created_at": datetime(2024, 6, 14, 12, 30)})
    assert predicate({"created_at": "2024-06-14T12:59:59Z"})
    assert not predicate({"created_at": "2024-06-14T13:00:00+00:00"})
    assert not predicate({"created_at": "not a date"})


def test_int32_clamping_of_fuzz_range() -> None:
    predicate = compile_query("score:2147483647~10", index="images", now=NOW)
    assert predicate({"score": 2_147_483_640})
    assert not predicate({"score": 2_147_483_636})


def test_gallery_without_resolver_reads_document() -> None:
    predicate = compile_query("gallery_id:9", index="images", now=NOW)
    assert [doc["id"] for doc in IMAGES if predicate(doc)] == [3, 4]


def test_filter_without_resolver_is_invalid() -> None:
    with pytest.raises(QueryError) as caught:
        compile_query("filter_id:100", index="images", now=NOW)
    assert caught.value.message == "Invalid filter `100`."


def test_complex_filter_lines_are_ored_and_errors_match_all() -> None:
    hide = compile_complex_filter("explicit\r\nsuggestive\n\n", now=NOW)
    assert [doc["id"] for doc in IMAGES if hide(doc)] == [2, 4]
    broken = compile_complex_filter("(explicit", now=NOW)
    assert all(broken(doc) for doc in IMAGES)
    nested = compile_complex_filter("filter_id:100", now=NOW)
    assert all(nested(doc) for doc in IMAGES)
    empty = compile_complex_filter("", now=NOW)
    assert not any(empty(doc) for doc in IMAGES)


def test_predicates_are_reusable_and_fast() -> None:
    documents: list[Mapping[str, Any]] = [
        {**IMAGES[i % len(IMAGES)], "id": i, "score": i % 100} for i in range(5000)
    ]
    predicate = compile_query(
        "(safe OR twilight sparkle), score.gte:10, -fluttersky~1, "
        "description:garden OR created_at.gte:2 years ago, flutter*",
        index="images",
        now=datetime.now(UTC),
    )
    start = time.perf_counter()
    first = [doc["id"] for doc in documents if predicate(doc)]
    second = [doc["id"] for doc in documents if predicate(doc)]
    elapsed = time.perf_counter() - start
    assert first == second
    assert first
    assert elapsed < 2.0


def test_master_refuses_anonymous_my_queries() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(QueryError) as info:
        compile_query("my:faves", index="images", now=now, master=True)
    assert info.value.message == "You must be logged in to use `my' queries."
    # 1.2 reads it as a tag name (nothing matches); a keyed user on master is fine.
    assert not compile_query("my:faves", index="images", now=now)({"tags": ["safe"]})
    faved = compile_query("my:faves", index="images", now=now, master=True, user_id=5)
    assert faved({"tags": [], "faved_by_ids": [5]})
