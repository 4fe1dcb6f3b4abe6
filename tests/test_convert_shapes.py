"""Shapes with no real recorded payload, built as literal JSON from server-behaviour.md.

Section numbers refer to that document (§1 Philomena views, §5 legacy booru-on-rails,
§6 Twibooru, §7 timestamp variants).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from booru_async._convert import Context, Decoder
from booru_async._errors import DecodeError
from booru_async._models import (
    Award,
    Comment,
    Filter,
    ForumPost,
    Gallery,
    Image,
    Interaction,
    Location,
    Oembed,
    Representations,
    Tag,
    Topic,
    User,
)
from booru_async._slugs import slugify

DERPI = "https://derpibooru.org"
TWI = "https://twibooru.org"
PHILOMENA = Decoder(Context(site="derpibooru", base_url=DERPI, flavour="philomena"))
LEGACY = Decoder(Context(site="derpibooru", base_url=DERPI, flavour="legacy"))
TWIBOORU = Decoder(Context(site="twibooru", base_url=TWI, flavour="twibooru"))
TWI_LEGACY = Decoder(Context(site="twibooru", base_url=TWI, flavour="legacy"))
LOCAL = Decoder(Context(site="dev", base_url="http://localhost:4000", flavour="philomena"))
DECODERS = {"philomena": PHILOMENA, "legacy": LEGACY, "twibooru": TWIBOORU}

REP_KEYS = ("full", "tall", "large", "medium", "small", "thumb", "thumb_small", "thumb_tiny")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def representations(root: str, date: str, image_id: int, ext: str) -> dict[str, str]:
    reps = {k: f"{root}/{date}/{image_id}/{k}.{ext}" for k in REP_KEYS}
    reps["full"] = f"{root}/view/{date}/{image_id}.{ext}"
    return reps


def philomena_image(**changes: Any) -> dict[str, Any]:
    """A complete 1.2 image (§1.3), every key present."""
    image: dict[str, Any] = {
        "id": 3000001, "created_at": "2024-11-26T10:00:00Z", "updated_at": "2024-11-26T10:05:00Z",
        "first_seen_at": "2024-11-26T10:00:00Z", "width": 1200, "height": 800,
        "mime_type": "image/png", "size": 123456, "orig_size": 234567, "duration": 0.04,
        "animated": False, "format": "png", "aspect_ratio": 1.5, "name": "pony.png",
        "sha512_hash": "a" * 128, "orig_sha512_hash": "b" * 128, "tags": ["safe", "pony"],
        "tag_ids": [40482, 38185], "uploader": "Someone", "uploader_id": 42,
        "wilson_score": 0.5, "intensities": {"nw": 1.0, "ne": 2.0, "sw": 3.0, "se": 4.0},
        "score": 3, "upvotes": 4, "downvotes": 1, "faves": 2, "comment_count": 0,
        "tag_count": 2, "description": "", "source_url": "", "source_urls": [],
        "view_url": "https://derpicdn.net/img/view/2024/11/26/3000001__safe_pony.png",
        "representations": representations("https://derpicdn.net/img", "2024/11/26", 3000001,
                                            "png"),
        "spoilered": False, "thumbnails_generated": True, "processed": True,
        "deletion_reason": None, "duplicate_of": None, "hidden_from_users": False,
    }
    image.update(changes)
    return image


# --- §1.4 hidden images -------------------------------------------------------------------

STAMPS = {
    "created_at": "2012-01-02T03:12:33Z",
    "updated_at": "2020-01-02T03:12:33Z",
    "first_seen_at": "2012-01-02T03:12:33Z",
}


def assert_stub(image: Image) -> None:
    """Everything but the id, timestamps, deletion_reason and duplicate_of is unknown."""
    assert image.hidden is True
    assert image.created_at == utc(2012, 1, 2, 3, 12, 33)
    assert image.updated_at == utc(2020, 1, 2, 3, 12, 33)
    assert image.tags == () and image.tag_ids == () and image.source_urls == ()
    assert image.locations == () and image.interactions == ()
    for name in ("description", "score", "upvotes", "faves", "width", "height", "format",
                 "mime_type", "media_type", "name", "sha512_hash", "representations",
                 "view_url", "intensities", "uploader", "spoilered", "wilson_score",
                 "thumbnails_generated", "processed", "animated", "duration", "size"):
        assert getattr(image, name) is None, name


def test_philomena_merged_stub() -> None:
    wire = {"id": 5, **STAMPS, "duplicate_of": 4, "deletion_reason": None,
            "hidden_from_users": True}
    assert len(wire) == 7
    image = PHILOMENA.structure(wire, Image)
    assert_stub(image)
    assert (image.id, image.duplicate_of, image.deletion_reason) == (5, 4, None)
    assert image.url == "https://derpibooru.org/images/5"
    assert dict(image.extra) == {}


@pytest.mark.parametrize("reason", ["Rule #0", None])
def test_philomena_deleted_stub(reason: str | None) -> None:
    wire = {"id": 6, **STAMPS, "deletion_reason": reason, "duplicate_of": None,
            "hidden_from_users": True}
    assert len(wire) == 7
    image = PHILOMENA.structure(wire, Image)
    assert_stub(image)
    assert (image.deletion_reason, image.duplicate_of) == (reason, None)
    assert dict(image.extra) == {}


def test_stub_inside_a_search_page_with_del() -> None:
    body = {"images": [philomena_image(), {"id": 6, **STAMPS, "deletion_reason": None,
                                           "duplicate_of": None, "hidden_from_users": True}],
            "interactions": [], "total": 2}
    visible, hidden = PHILOMENA.structure_list(body["images"], Image)
    assert visible.hidden is False and visible.media_type == "image"
    assert hidden.hidden is True and hidden.media_type is None


def test_legacy_merged_and_deleted_stubs() -> None:
    # §5.2: the ES serialiser's stubs, with its string ids and comma tags.
    merged = LEGACY.structure({"id": "1200", **STAMPS, "duplicate_of": "1199",
                               "uploader_id": "77", "tags": "safe, pony",
                               "tag_ids": ["40482", "38185"]}, Image)
    assert_stub_legacy(merged)
    assert (merged.id, merged.duplicate_of, merged.uploader_id) == (1200, 1199, 77)
    assert merged.tags == ("safe", "pony") and merged.tag_ids == (40482, 38185)
    assert merged.url == "https://derpibooru.org/1200"

    deleted = LEGACY.structure({"id": "1201", **STAMPS, "deletion_reason": "None specified",
                                "uploader_id": None, "tags": "", "tag_ids": []}, Image)
    assert_stub_legacy(deleted)
    assert deleted.deletion_reason == "None specified" and deleted.duplicate_of is None
    assert deleted.tags == () and deleted.uploader_id is None


def assert_stub_legacy(image: Image) -> None:
    assert image.hidden is True
    assert image.media_type is None and image.representations is None
    assert image.sha512_hash is None and image.view_url is None
    assert dict(image.extra) == {}


def test_twibooru_legacy_deleted_listing_stubs() -> None:
    # §6.3: /images.json?deleted=1 gives {id, created_at, updated_at, deletion_reason|duplicate_of}
    gone = TWI_LEGACY.structure({"id": 9, "created_at": "2020-07-08T22:26:55.743Z",
                                 "updated_at": "2020-07-08T22:26:55.743Z",
                                 "deletion_reason": "Duplicate"}, Image)
    merged = TWI_LEGACY.structure({"id": 10, "created_at": "2020-07-08T22:26:55.743Z",
                                   "updated_at": "2020-07-08T22:26:55.743Z",
                                   "duplicate_of": 8}, Image)
    assert gone.hidden and merged.hidden
    assert gone.url == "https://twibooru.org/9" and merged.duplicate_of == 8
    assert gone.first_seen_at is None


# --- §1.3 image variants -------------------------------------------------------------------


def test_integer_zero_wilson_score_becomes_float() -> None:
    image = PHILOMENA.structure(philomena_image(wilson_score=0, upvotes=0), Image)
    assert image.wilson_score == 0.0 and type(image.wilson_score) is float
    assert type(PHILOMENA.structure(philomena_image(duration=0), Image).duration) is float


def test_master_image_hides_kept_in_extra() -> None:
    image = PHILOMENA.structure(philomena_image(hides=7), Image)
    assert dict(image.extra) == {"hides": 7} and image.tag_count == 2
    assert image.orig_size == 234567 and image.size == 123456


def test_source_url_and_source_urls() -> None:
    both = PHILOMENA.structure(
        philomena_image(source_url="https://a.example/1",
                        source_urls=["https://a.example/1", "https://b.example/2"]), Image)
    assert both.source_urls == ("https://a.example/1", "https://b.example/2")
    assert "source_url" not in both.extra  # already the first source
    odd = PHILOMENA.structure(
        philomena_image(source_url="https://c.example/3", source_urls=["https://a.example/1"]),
        Image)
    assert odd.source_urls == ("https://a.example/1",)
    assert odd.extra["source_url"] == "https://c.example/3"  # disagreeing: nothing lost


def test_gif_has_webm_and_mp4_representations() -> None:
    reps = representations("https://derpicdn.net/img", "2024/1/5", 77, "gif")
    reps["webm"] = "https://derpicdn.net/img/2024/1/5/77/full.webm"
    reps["mp4"] = "https://derpicdn.net/img/2024/1/5/77/full.mp4"
    image = PHILOMENA.structure(
        philomena_image(id=77, mime_type="image/gif", format="gif", animated=True,
                        duration=2.5, representations=reps), Image)
    assert image.animated is True and image.duration == 2.5
    assert image.representations is not None
    assert image.representations.webm == "https://derpicdn.net/img/2024/1/5/77/full.webm"
    assert image.representations.mp4 == "https://derpicdn.net/img/2024/1/5/77/full.mp4"
    assert image.representations.thumb == "https://derpicdn.net/img/2024/1/5/77/thumb.gif"
    assert dict(image.representations.extra) == {}


def test_svg_thumbnails_are_png() -> None:
    image = PHILOMENA.structure(
        philomena_image(id=88, mime_type="image/svg+xml", format="svg",
                        view_url="https://derpicdn.net/img/view/2024/1/5/88__safe.png",
                        representations=representations("https://derpicdn.net/img", "2024/1/5",
                                                        88, "png")), Image)
    assert image.format == "svg" and image.mime_type == "image/svg+xml"
    assert image.representations is not None
    assert image.representations.full == "https://derpicdn.net/img/view/2024/1/5/88.png"
    assert image.view_url == "https://derpicdn.net/img/view/2024/1/5/88__safe.png"


def test_root_relative_urls_join_the_base_url() -> None:
    image = LOCAL.structure(
        philomena_image(id=3, view_url="/img/view/2024/1/5/3__safe.png",
                        representations=representations("/img", "2024/1/5", 3, "png")), Image)
    assert image.view_url == "http://localhost:4000/img/view/2024/1/5/3__safe.png"
    assert image.representations is not None
    assert image.representations.thumb == "http://localhost:4000/img/2024/1/5/3/thumb.png"
    assert image.url == "http://localhost:4000/images/3"
    trailing = Decoder(Context(site="dev", base_url="http://localhost:4000/", flavour="philomena"))
    assert trailing.structure(philomena_image(view_url="/img/x.png"), Image).view_url == (
        "http://localhost:4000/img/x.png"
    )
    # Protocol-relative URLs always become https, whatever the base URL's scheme.
    reps = LOCAL.structure(dict.fromkeys(REP_KEYS, "//cdn.example/x.png"), Representations)
    assert reps.full == "https://cdn.example/x.png"


def test_single_image_envelope_with_interactions() -> None:
    body = {"image": philomena_image(id=1),
            "interactions": [{"image_id": 1, "user_id": 9, "interaction_type": "faved",
                              "value": ""},
                             {"image_id": 1, "user_id": 9, "interaction_type": "voted",
                              "value": "up"}]}
    image = PHILOMENA.structure(PHILOMENA.member(body, "image"), Image)
    assert image.id == 1
    faved, voted = PHILOMENA.interactions(body)[1]
    assert faved == Interaction(image_id=1, user_id=9, interaction_type="faved", value=None)
    assert voted.value == "up"


# --- §6.1 Twibooru v3 -------------------------------------------------------------------

TWI_REPS = {k: f"https://cdn.twibooru.org/img/2020/7/8/1/{k}.png" for k in REP_KEYS}
TWI_LOCATION = {"location": "derpibooru", "id_at_location": 1676547,
                "url_at_location": "https://derpibooru.org/images/1676547"}


def twibooru_post(**changes: Any) -> dict[str, Any]:
    post: dict[str, Any] = {
        "id": 1, "created_at": "2020-07-08T22:26:55.743Z", "updated_at": "2020-07-08T22:27:01.12Z",
        "first_seen_at": "2020-07-08T22:26:55.743Z", "hidden_from_users": False,
        "locations": [TWI_LOCATION], "media_type": "image", "orig_sha512_hash": "c" * 128,
        "sha512_hash": "d" * 128, "processed": True, "source_url": "https://example.com/src",
        "tag_ids": [1, 2], "tags": ["safe", "artist:foo"],
        "comment_count": 2, "description": "hello", "downvotes": 0, "faves": 3, "score": 5,
        "size": 1234, "upvotes": 5, "wilson_score": 0,
        "animated": False, "aspect_ratio": 1.5, "duration": 0.0, "format": "png",
        "height": 200, "width": 300, "intensities": {"nw": 1.5, "ne": 2, "sw": 3, "se": 4},
        "mime_type": "image/png", "name": "1676547__safe_artist-colon-foo.png",
        "representations": TWI_REPS, "thumbnails_generated": True,
        "view_url": "https://cdn.twibooru.org/img/2020/7/8/1/full.png",
    }
    post.update(changes)
    return post


def test_twibooru_image_post() -> None:
    post = TWIBOORU.structure(twibooru_post(), Image)
    assert post.created_at == utc(2020, 7, 8, 22, 26, 55, 743000)
    assert post.updated_at == utc(2020, 7, 8, 22, 27, 1, 120000)
    assert post.url == "https://twibooru.org/1"
    assert post.site == "twibooru"
    assert post.media_type == "image"
    assert post.uploader is None and post.uploader_id is None  # anonymous-only site
    assert post.spoilered is None
    assert post.view_url == "https://cdn.twibooru.org/img/2020/7/8/1/full.png"
    assert post.locations == (
        Location(location="derpibooru", id_at_location=1676547,
                 url_at_location="https://derpibooru.org/images/1676547"),
    )
    assert post.source_urls == ("https://example.com/src",)
    assert post.wilson_score == 0.0 and post.duration == 0.0
    assert post.intensities is not None and post.intensities.ne == 2.0
    assert dict(post.extra) == {}


def test_twibooru_paste_post_lacks_image_fields() -> None:
    image_only = {"animated", "aspect_ratio", "duration", "format", "height", "width",
                  "intensities", "mime_type", "name", "representations",
                  "thumbnails_generated", "view_url"}
    wire = {k: v for k, v in twibooru_post(id=2, media_type="paste").items()
            if k not in image_only}
    paste = TWIBOORU.structure(wire, Image)
    assert paste.media_type == "paste" and paste.hidden is False
    assert paste.representations is None and paste.view_url is None
    assert paste.width is None and paste.mime_type is None and paste.format is None
    assert paste.score == 5 and paste.tags == ("safe", "artist:foo")


def test_twibooru_hidden_post() -> None:
    visible_only = {"comment_count", "description", "downvotes", "faves", "score", "size",
                    "upvotes", "wilson_score"}
    wire = {k: v for k, v in twibooru_post(hidden_from_users=True,
                                           deletion_reason="Rule 1").items()
            if k not in visible_only}
    post = TWIBOORU.structure(wire, Image)
    assert post.hidden is True and post.deletion_reason == "Rule 1"
    assert post.score is None


def test_twibooru_search_envelope_and_interactions() -> None:
    body = {"posts": [twibooru_post(), twibooru_post(id=2)], "total": 2,
            "interactions": [{"user_id": 5, "post_id": 2, "interaction_type": "voted",
                              "value": "down"},
                             {"user_id": 5, "post_id": 2, "interaction_type": "faved",
                              "value": None}]}
    posts = TWIBOORU.structure_list(TWIBOORU.member(body, "posts"), Image)
    assert [p.id for p in posts] == [1, 2]
    assert TWIBOORU.total(body) == 2
    down, faved = TWIBOORU.interactions(body)[2]
    assert down == Interaction(image_id=2, user_id=5, interaction_type="voted", value="down")
    assert faved.value is None and dict(faved.extra) == {}


TWI_TAG = {
    "id": 7, "name": "artist:foo bar", "slug": "artist-colon-foo+bar", "description": "",
    "short_description": "", "images": 12, "namespace": "artist", "name_in_namespace": "foo bar",
    "category": "origin", "aliased_tag": "foo.bar", "aliases": ["foo bar", "artist:foo-bar"],
    "implied_tags": ["oc:baz/qux", "a+b"], "implied_by_tags": ["back\\slash", "it's (pony)"],
}


def test_twibooru_tag_relation_names_become_slugs() -> None:
    tag = TWIBOORU.structure(TWI_TAG, Tag)
    assert tag.slug == "artist-colon-foo+bar"
    assert tag.url == "https://twibooru.org/tags/artist-colon-foo+bar"
    assert tag.aliased_tag == "foo-dot-bar"
    assert tag.aliases == ("foo+bar", "artist-colon-foo-dash-bar")
    assert tag.implied_tags == ("oc-colon-baz-fwslash-qux", "a-plus-b")
    # booru-on-rails lineage: other characters are percent-escaped, like legacy slugs.
    assert tag.implied_by_tags == ("back-bwslash-slash", "it%27s+%28pony%29")
    assert tag.dnp_entries == () and tag.spoiler_image_uri is None
    assert dict(tag.extra) == {}
    # Philomena sends slugs in the same fields: untouched there.
    assert PHILOMENA.structure(TWI_TAG, Tag).aliases == ("foo bar", "artist:foo-bar")


def test_philomena_artist_tag_with_dnp_entries() -> None:
    # §1.8: listed DNP entries only; reason is null when hidden. No real payload has one.
    tag = PHILOMENA.structure({
        "id": 88661, "name": "artist:fleet-wing", "slug": "artist-colon-fleet-dash-wing",
        "description": "", "short_description": None, "images": 10,
        "spoiler_image_uri": None, "namespace": "artist", "name_in_namespace": "fleet-wing",
        "category": "origin", "aliased_tag": None, "aliases": [], "implied_tags": [],
        "implied_by_tags": [],
        "dnp_entries": [
            {"id": 1, "dnp_type": "With Permission Only", "conditions": "Ask first",
             "reason": None, "created_at": "2019-05-01T12:00:00Z"},
            None,
            {"id": 2, "dnp_type": "No Edits", "conditions": "", "reason": "asked",
             "created_at": "2020-01-01T00:00:00Z", "future_key": 1},
        ],
    }, Tag)
    first, second = tag.dnp_entries
    assert (first.id, first.dnp_type, first.conditions, first.reason) == (
        1, "With Permission Only", "Ask first", None)
    assert first.created_at == utc(2019, 5, 1, 12)
    assert second.reason == "asked" and dict(second.extra) == {"future_key": 1}
    assert tag.short_description is None


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("safe", "safe"),
        ("artist:foo bar", "artist-colon-foo+bar"),
        ("dj pon-3", "dj+pon-dash-3"),
        ("a/b", "a-fwslash-b"),
        ("a\\b", "a-bwslash-b"),
        ("j. jonah jameson", "j-dot-+jonah+jameson"),
        ("a+b", "a-plus-b"),
        ("c++", "c-plus--plus-"),
        # Order matters: "-" first, so the dashes the later steps insert are not escaped.
        ("-:-", "-dash--colon--dash-"),
        ("oc:foo-bar.baz", "oc-colon-foo-dash-bar-dot-baz"),
        ("a.b/c\\d:e+f g-h", "a-dot-b-fwslash-c-bwslash-d-colon-e-plus-f+g-dash-h"),
        ("mop (r63)", "mop+(r63)"),
        ("", ""),
    ],
)
def test_slugify_table(name: str, slug: str) -> None:
    assert slugify(name) == slug


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("twilight sparkle (alicorn)", "twilight+sparkle+%28alicorn%29"),
        ("it's", "it%27s"),
        ("amberfröst", "amberfr%C3%B6st"),
        ("小马", "%E5%B0%8F%E9%A9%AC"),
        ("artist:foo bar", "artist-colon-foo+bar"),
        ("a+b c", "a-plus-b+c"),
    ],
)
def test_slugify_escaped_table(name: str, slug: str) -> None:
    assert slugify(name, escaped=True) == slug


# --- §5.3 legacy shapes -------------------------------------------------------------------


def test_legacy_comments() -> None:
    deleted = LEGACY.structure({"id": "55", "body": "Deleted", "author": "Background Pony",
                                "image_id": "1200", "posted_at": "2016-09-13T21:54:32.750Z",
                                "deleted": True}, Comment)
    assert deleted.hidden is True and deleted.body is None
    assert (deleted.id, deleted.image_id) == (55, 1200)
    assert deleted.created_at == utc(2016, 9, 13, 21, 54, 32, 750000)
    assert deleted.author == "Background Pony"
    live = LEGACY.structure({"id": 56, "body": "Deleted", "author": "x", "image_id": 1200,
                             "posted_at": "2016-09-13T21:54:32Z", "deleted": False}, Comment)
    assert live.hidden is False and live.body == "Deleted"  # only hidden ones lose the body
    body = {"comments": [{"id": 1, "body": "hi", "author": "a", "image_id": 2,
                          "posted_at": "2016-01-01T00:00:00Z", "deleted": False}], "total": 1}
    (only,) = LEGACY.structure_list(LEGACY.member(body, "comments"), Comment)
    assert only.body == "hi" and LEGACY.total(body) == 1


def test_legacy_user_singular_counts() -> None:
    user = LEGACY.structure({
        "id": "216494", "name": "Joey", "slug": "joey", "role": "user", "description": None,
        "avatar_url": "//derpicdn.net/avatars/x.png", "created_at": "2012-06-25T01:15:57.000Z",
        "comment_count": 10, "uploads_count": 2, "post_count": 3, "topic_count": 4,
        "links": [], "awards": [{"id": 5, "title": "T", "label": None, "image_url": "//x/y.svg",
                                 "awarded_on": "2016-02-28T14:52:15.000Z"}],
    }, User)
    assert user.id == 216494
    assert (user.comments_count, user.uploads_count, user.posts_count, user.topics_count) == (
        10, 2, 3, 4)
    assert user.avatar_url == "https://derpicdn.net/avatars/x.png"
    assert user.awards == (Award(id=5, title="T", label=None, image_url="https://x/y.svg",
                                 awarded_on=utc(2016, 2, 28, 14, 52, 15)),)
    assert dict(user.extra) == {}


def test_legacy_topic() -> None:
    wire = {"id": "4321", "forum_id": "3", "slug": "old-thread", "title": "Old",
            "sticky": False, "created_at": "2014-01-01T00:00:00.000Z",
            "updated_at": "2015-01-01T00:00:00.000Z",
            "last_replied_to_at": "2015-01-01T00:00:00.000Z",
            "lock_reason": "necro", "locked_at": "2015-02-01T00:00:00.000Z"}
    topic = LEGACY.structure(wire, Topic)
    assert topic.slug == "old-thread" and topic.title == "Old"
    assert topic.locked is True and topic.sticky is False
    assert topic.last_replied_to_at == utc(2015, 1, 1)
    assert topic.post_count is None and topic.author is None
    assert dict(topic.extra) == {
        "id": "4321", "forum_id": "3", "created_at": "2014-01-01T00:00:00.000Z",
        "updated_at": "2015-01-01T00:00:00.000Z", "lock_reason": "necro",
        "locked_at": "2015-02-01T00:00:00.000Z",
    }
    unlocked = LEGACY.structure({"slug": "s", "locked_at": None}, Topic)
    assert unlocked.locked is False and unlocked.sticky is False


def test_legacy_gallery() -> None:
    gallery = LEGACY.structure({
        "id": "12", "title": "Best", "description": "d", "spoiler_warning": "",
        "updated_at": "2016-01-01T00:00:00.000Z", "created_at": "2015-01-01T00:00:00.000Z",
        "creator_id": "99", "watcher_count": 3, "image_count": 2, "image_ids": [1, 2],
    }, Gallery)
    assert (gallery.id, gallery.creator_id, gallery.user_id) == (12, 99, 99)
    assert gallery.creator is None and gallery.thumbnail_id is None
    assert set(gallery.extra) == {"updated_at", "created_at", "watcher_count", "image_count",
                                  "image_ids"}


def test_master_gallery_creator_and_anonymous() -> None:
    named = PHILOMENA.structure({"id": 1, "title": "t", "thumbnail_id": 5,
                                 "spoiler_warning": "", "description": "",
                                 "creator": "Someone", "creator_id": 7}, Gallery)
    assert (named.creator, named.creator_id, named.user) == ("Someone", 7, "Someone")
    anonymous = PHILOMENA.structure({"id": 2, "title": "t", "thumbnail_id": 5,
                                     "spoiler_warning": "", "description": "",
                                     "creator": None, "creator_id": None}, Gallery)
    assert anonymous.creator is None and anonymous.user_id is None
    # Both spellings at once: the model's own name wins, the other is kept in extra.
    both = PHILOMENA.structure({"id": 3, "creator": "new", "user": "old"}, Gallery)
    assert both.creator == "new" and dict(both.extra) == {"user": "old"}


def test_twibooru_gallery() -> None:
    gallery = TWIBOORU.structure({"id": 3, "title": "t", "description": "d",
                                  "spoiler_warning": "", "thumbnail_id": 1}, Gallery)
    assert gallery.creator is None and gallery.thumbnail_id == 1


def test_legacy_filter_tag_names_in_extra() -> None:
    wire = {"id": 100073, "name": "Default", "description": "d", "public": False,
            "system": True, "user_count": 5, "user_id": None, "hidden_tag_ids": ["1", "2"],
            "spoilered_tag_ids": [3], "hidden_complex": "", "spoilered_complex": None,
            "spoilered_tags": "grimdark", "hidden_tags": "explicit, semi-grimdark"}
    flt = LEGACY.structure(wire, Filter)
    assert flt.hidden_tag_ids == (1, 2) and flt.spoilered_tag_ids == (3,)
    assert flt.hidden_complex is None and flt.spoilered_complex is None
    assert dict(flt.extra) == {"spoilered_tags": "grimdark",
                               "hidden_tags": "explicit, semi-grimdark"}


@pytest.mark.parametrize(("wire", "model"), [(None, None), ("", None),
                                             ("safe\r\n-pony", "safe\r\n-pony")])
def test_complex_filters_empty_string_is_none(wire: str | None, model: str | None) -> None:
    flt = PHILOMENA.structure({"id": 1, "name": "f", "hidden_complex": wire,
                               "spoilered_complex": wire}, Filter)
    assert flt.hidden_complex == flt.spoilered_complex == model


# --- §1.6 / §1.7 comments and posts --------------------------------------------------------

AVATAR = "https://derpicdn.net/avatars/2015/03/16/a.png"
SVG_AVATAR = "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4="


def comment(**changes: Any) -> dict[str, Any]:
    wire: dict[str, Any] = {
        "id": 10, "image_id": 20, "user_id": 30, "author": "someone", "avatar": AVATAR,
        "body": "text", "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-02T00:00:00Z",
        "edited_at": "2024-01-02T00:00:00Z", "edit_reason": "typo",
    }
    wire.update(changes)
    return wire


def test_philomena_comment_variants() -> None:
    normal = PHILOMENA.structure(comment(), Comment)
    assert normal.hidden is False and normal.edit_reason == "typo"
    assert normal.edited_at == utc(2024, 1, 2)

    anonymous = PHILOMENA.structure(comment(user_id=None, author="Background Pony #1A2B",
                                            avatar=SVG_AVATAR), Comment)
    assert anonymous.user_id is None and anonymous.avatar == SVG_AVATAR

    hidden = PHILOMENA.structure(comment(body=None, edited_at=None, edit_reason=None), Comment)
    assert hidden.hidden is True and hidden.body is None
    assert hidden.author == "someone" and hidden.avatar == AVATAR
    assert hidden.created_at == utc(2024, 1, 1)

    on_hidden_image = {"id": 11, "image_id": 21, "user_id": None, "author": None, "body": None,
                       "created_at": None, "updated_at": None, "edited_at": None,
                       "edit_reason": None}  # no avatar key at all
    gone = PHILOMENA.structure(on_hidden_image, Comment)
    assert gone == Comment(id=11, image_id=21, hidden=True)
    assert dict(gone.extra) == {}


@pytest.mark.parametrize(("wire", "model"), [(None, None), ("", None), ("typo", "typo")])
def test_edit_reason_empty_string_is_none(wire: str | None, model: str | None) -> None:
    assert PHILOMENA.structure(comment(edit_reason=wire), Comment).edit_reason == model
    post = {k: v for k, v in comment(edit_reason=wire).items() if k != "image_id"}
    assert PHILOMENA.structure(post, ForumPost).edit_reason == model


def test_forum_post_variants() -> None:
    post = {k: v for k, v in comment().items() if k != "image_id"}
    normal = PHILOMENA.structure(post, ForumPost)
    assert normal.hidden is False and normal.body == "text" and dict(normal.extra) == {}
    hidden = PHILOMENA.structure({**post, "body": None, "edited_at": None,
                                  "edit_reason": None}, ForumPost)
    assert hidden.hidden is True and hidden.author == "someone"
    in_hidden_topic = {"id": 12, "user_id": None, "author": None, "body": None,
                       "created_at": None, "updated_at": None, "edited_at": None,
                       "edit_reason": None}
    assert PHILOMENA.structure(in_hidden_topic, ForumPost) == ForumPost(id=12, hidden=True)


def test_null_entries_in_lists_are_skipped() -> None:
    # §1.6: a destroyed comment renders as JSON null inside a list.
    body = {"comments": [comment(id=1), None, comment(id=3)], "total": 3}
    comments = PHILOMENA.structure_list(PHILOMENA.member(body, "comments"), Comment)
    assert [c.id for c in comments] == [1, 3]
    # Nested lists of models skip nulls too.
    user = PHILOMENA.structure({"id": 1, "name": "n", "links": [None], "awards": [None]}, User)
    assert user.links == () and user.awards == ()


def test_hidden_topic_variant_and_forum() -> None:
    # §1.12: the hidden-topic view has all nine keys null; only slug is required.
    with pytest.raises(DecodeError):
        PHILOMENA.structure(dict.fromkeys(("slug", "title", "post_count", "view_count",
                                           "sticky", "last_replied_to_at", "locked",
                                           "user_id", "author")), Topic)
    anonymous = PHILOMENA.structure({"slug": "s", "title": "t", "post_count": 1,
                                     "view_count": 2, "sticky": False,
                                     "last_replied_to_at": None, "locked": True,
                                     "user_id": None, "author": "Background Pony #0000"}, Topic)
    assert anonymous.locked is True and anonymous.last_replied_to_at is None


# --- §1.13 / §5.4 oEmbed --------------------------------------------------------------------


def test_philomena_oembed() -> None:
    wire = {
        "type": "photo", "version": "1.0", "title": "#1 - safe, pony - Derpibooru",
        "author_name": "", "author_url": "", "provider_name": "Derpibooru",
        "provider_url": "https://derpibooru.org", "cache_age": 7200,
        "thumbnail_url": "https://derpicdn.net/img/2012/1/2/1/large.png",
        "thumbnail_width": 900, "thumbnail_height": 900,
        "url": "https://derpicdn.net/img/view/2012/1/2/1.png", "width": 900, "height": 900,
        "derpibooru_id": 1, "derpibooru_score": 2727, "derpibooru_comments": 246,
        "derpibooru_tags": ["safe", "pony"],
    }
    oembed = PHILOMENA.structure(wire, Oembed)
    assert (oembed.image_id, oembed.score, oembed.comment_count) == (1, 2727, 246)
    assert oembed.tags == ("safe", "pony")
    assert oembed.author_url is None  # "" when the image has no source
    assert oembed.author_name == ""
    assert oembed.cache_age == 7200 and oembed.thumbnail_width == 900
    assert oembed.url == "https://derpicdn.net/img/view/2012/1/2/1.png"
    assert dict(oembed.extra) == {}
    # Furbooru keeps the derpibooru_* keys.
    fur = Decoder(Context(site="furbooru", base_url="https://furbooru.org", flavour="philomena"))
    assert fur.structure({**wire, "provider_name": "Furbooru"}, Oembed).image_id == 1


def test_legacy_oembed() -> None:
    wire = {
        "version": "1.0", "type": "photo", "title": "#1234 - safe - Twibooru",
        "author_url": None, "author_name": "Unknown Artist", "provider_name": "Twibooru",
        "provider_url": "https://twibooru.org/1234", "cache_age": 7200,
        "twibooru_id": 1234, "twibooru_score": 5, "twibooru_comments": 1,
        "twibooru_tags": "safe, artist:foo", "thumbnail_url": "//cdn.twibooru.org/img/1/thumb.png",
    }
    oembed = TWI_LEGACY.structure(wire, Oembed)
    assert (oembed.image_id, oembed.score, oembed.comment_count) == (1234, 5, 1)
    assert oembed.tags == ("safe", "artist:foo")
    assert oembed.thumbnail_url == "https://cdn.twibooru.org/img/1/thumb.png"
    assert oembed.provider_url == "https://twibooru.org/1234"
    assert oembed.url is None and oembed.width is None and oembed.thumbnail_width is None
    assert dict(oembed.extra) == {}
    # Legacy ids may come as strings; a list of tag names works too.
    alt = TWI_LEGACY.structure({**wire, "twibooru_id": "1234", "twibooru_tags": ["safe"]}, Oembed)
    assert alt.image_id == 1234 and alt.tags == ("safe",)


# --- interactions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decoder", "wire", "expected", "extra"),
    [
        (PHILOMENA, {"image_id": 1, "user_id": 2, "interaction_type": "faved", "value": ""},
         Interaction(image_id=1, user_id=2, interaction_type="faved", value=None), {}),
        (PHILOMENA, {"image_id": 1, "user_id": 2, "interaction_type": "voted", "value": "up"},
         Interaction(image_id=1, user_id=2, interaction_type="voted", value="up"), {}),
        (LEGACY, {"id": 9, "interaction_type": "hidden", "value": None, "user_id": 2,
                  "image_id": "1"},
         Interaction(image_id=1, user_id=2, interaction_type="hidden", value=None), {"id": 9}),
        (TWIBOORU, {"user_id": 2, "post_id": 1, "interaction_type": "voted", "value": "down"},
         Interaction(image_id=1, user_id=2, interaction_type="voted", value="down"), {}),
    ],
    ids=["philomena-empty-value", "philomena-vote", "legacy", "twibooru-post-id"],
)
def test_interactions(decoder: Decoder, wire: dict[str, Any], expected: Interaction,
                      extra: dict[str, Any]) -> None:
    got = decoder.structure(wire, Interaction)
    assert got == expected and dict(got.extra) == extra


def test_interactions_absent_or_empty() -> None:
    assert PHILOMENA.interactions({"images": [], "interactions": []}) == {}
    assert PHILOMENA.interactions({"images": []}) == {}
    with pytest.raises(DecodeError):
        PHILOMENA.interactions({"interactions": [{"image_id": "x"}]})


# --- §7 timestamps -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("2020-04-07T17:06:38", utc(2020, 4, 7, 17, 6, 38)),  # no zone: UTC
        ("2012-01-02T03:12:33Z", utc(2012, 1, 2, 3, 12, 33)),
        ("2020-07-08T22:26:55.743Z", utc(2020, 7, 8, 22, 26, 55, 743000)),
        ("2016-09-13T21:54:35.6214Z", utc(2016, 9, 13, 21, 54, 35, 621400)),
        ("2016-09-13T21:54:35.6Z", utc(2016, 9, 13, 21, 54, 35, 600000)),
        ("2016-09-13T23:54:35+02:00", utc(2016, 9, 13, 21, 54, 35)),
    ],
)
@pytest.mark.parametrize("flavour", ["philomena", "legacy", "twibooru"])
def test_timestamp_variants(flavour: str, wire: str, expected: datetime) -> None:
    image = DECODERS[flavour].structure({"id": 1, "created_at": wire}, Image)
    assert image.created_at == expected
    assert image.created_at is not None and image.created_at.utcoffset() == timedelta(0)
    assert image.created_at.tzinfo is UTC


def test_mixed_zone_and_zoneless_in_one_object() -> None:
    image = PHILOMENA.structure({"id": 1, "created_at": "2020-04-07T17:06:38",
                                 "updated_at": "2020-04-07T17:07:13Z"}, Image)
    assert image.created_at == utc(2020, 4, 7, 17, 6, 38)
    assert image.updated_at == utc(2020, 4, 7, 17, 7, 13)


# --- strictness and error reports ----------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"id": "1"}, "$.image.id"),  # Philomena ids are never strings
        ({"width": 1.5}, "$.image.width"),
        ({"score": True}, "$.image.score"),
        ({"description": None}, "$.image.description"),  # not optional on the wire...
        ({"tags": "safe, pony"}, "$.image.tags"),
        ({"tag_ids": [1, "2"]}, "$.image.tag_ids"),
        ({"created_at": "yesterday"}, "$.image.created_at"),
        ({"created_at": 1700000000}, "$.image.created_at"),
        ({"spoilered": "false"}, "$.image.spoilered"),
        ({"representations": {"full": "x"}}, "$.image.representations.tall"),
        ({"intensities": {"nw": "1", "ne": 1, "sw": 1, "se": 1}}, "$.image.intensities.nw"),
    ],
)
def test_wrong_types_are_decode_errors_with_a_path(changes: dict[str, Any], where: str) -> None:
    wire = philomena_image(**changes)
    if changes.get("description", "") is None:
        # ...but description is typed str | None in the model, so null is accepted.
        assert PHILOMENA.structure(wire, Image).description is None
        return
    with pytest.raises(DecodeError) as info:
        PHILOMENA.structure(wire, Image, path="$.image")
    assert any(line.startswith(where) for line in info.value.errors), info.value.errors
    assert info.value.excerpt.startswith("{")


def test_missing_required_and_non_objects() -> None:
    with pytest.raises(DecodeError, match="id"):
        PHILOMENA.structure({"name": "x"}, Tag)
    with pytest.raises(DecodeError):
        PHILOMENA.structure([], Image)
    with pytest.raises(DecodeError):
        PHILOMENA.structure_list({"images": []}, Image)
    with pytest.raises(DecodeError) as info:
        PHILOMENA.structure_list([comment(id=1), 5], Comment, path="$.comments")
    assert info.value.errors == ("$.comments[1]: expected a JSON object, got int",)
    with pytest.raises(DecodeError):
        PHILOMENA.member({"images": []}, "image")
    with pytest.raises(DecodeError):
        PHILOMENA.total({"total": -1})
    assert PHILOMENA.total({"images": []}) is None
    with pytest.raises(DecodeError, match="empty body"):
        PHILOMENA.loads(b"")
    with pytest.raises(DecodeError, match="not JSON"):
        PHILOMENA.loads(b"<html>")
