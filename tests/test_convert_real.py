"""Every real recorded payload parses into the model with the right values.

The files are in tests/fixtures/real (see SOURCES.md there); what each proves is listed in
server-behaviour.md §7. Assertions go field by field on representative objects, and every
object's ``extra`` is checked to hold exactly the wire keys the model does not name.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs
import pytest
from realdata import fixture_json

from booru_async._convert import Context, Decoder
from booru_async._convert._shapes import SHAPES
from booru_async._models import (
    Award,
    Comment,
    Filter,
    Forum,
    ForumPost,
    Gallery,
    Image,
    Intensities,
    Link,
    Representations,
    Tag,
    Topic,
    User,
)
from booru_async._slugs import slugify

DERPI = "https://derpibooru.org"
PHILOMENA = Decoder(Context(site="derpibooru", base_url=DERPI, flavour="philomena"))
LEGACY = Decoder(Context(site="derpibooru", base_url=DERPI, flavour="legacy"))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def items(name: str, member: str | None) -> list[Any]:
    raw = fixture_json(name)
    return raw[member] if member else raw


def claimed_keys(cls: type, flavour: str) -> set[str]:
    """Wire keys a flavour's shape maps onto model fields (directly or renamed)."""
    return set(SHAPES[flavour][cls].claimed)


def assert_extra_exact(obj: Any, raw: dict[str, Any], cls: type, flavour: str, *,
                       derived: frozenset[str] = frozenset()) -> None:
    """``extra`` holds exactly the wire keys the model does not name, with their values.

    ``derived`` lists wire keys a finisher consumes on purpose (``source_url`` when it is
    already in ``source_urls``, ``hidden`` derivations, ...).
    """
    unclaimed = {k for k in raw if k not in claimed_keys(cls, flavour)} - derived
    assert set(obj.extra) == unclaimed
    for key in unclaimed:
        assert obj.extra[key] == raw[key]


# --- images ----------------------------------------------------------------------------


EARLY_2020 = "derpibooru/search-images-2020-04-early-philomena.json"
IMAGES_2024 = "derpibooru/appledash-2024-11-images.json"


def test_early_2020_images_field_by_field() -> None:
    raw = items(EARLY_2020, "images")
    images = PHILOMENA.structure_list(raw, Image)
    assert [i.id for i in images] == [2316404, 2316401, 2316400, 2316396, 2316395]
    first = images[0]
    # Zone-less timestamps (early Philomena) become aware UTC datetimes.
    assert first.created_at == utc(2020, 4, 7, 17, 6, 38)
    assert first.updated_at == utc(2020, 4, 7, 17, 7, 13)
    assert first.first_seen_at == utc(2020, 4, 7, 17, 6, 38)
    assert first.created_at is not None and first.created_at.tzinfo is UTC
    assert first.site == "derpibooru"
    assert first.url == "https://derpibooru.org/images/2316404"
    assert first.hidden is False
    assert first.deletion_reason is None and first.duplicate_of is None
    assert first.tags[:3] == ("alicorn", "bed", "cute")
    assert first.tags[-1] == "artist:angelinarichter"
    assert first.tag_ids[:3] == (666, 20632, 24249)
    assert len(first.tags) == len(first.tag_ids) == 19
    # Only the deprecated single source exists in 2020: it becomes the one source.
    assert first.source_urls == (
        "https://www.deviantart.com/angelinarichter/art/Young-Princess-Luna-836909248",
    )
    assert first.wilson_score == pytest.approx(0.13097748173129398)
    assert first.aspect_ratio == pytest.approx(1.414516129032258)
    assert (first.width, first.height) == (3508, 2480)
    assert (first.score, first.upvotes, first.downvotes, first.faves) == (1, 1, 0, 0)
    assert first.comment_count == 0
    assert first.format == "png" and first.mime_type == "image/png"
    assert first.media_type == "image"
    assert first.name == "young_princess_luna_by_angelinarichter_ddu9vb4.png"
    assert first.uploader == "MellowinsomeYellow" and first.uploader_id == 464057
    assert first.description == ""
    assert first.intensities == Intensities(nw=17.549995, ne=6.718275, sw=45.033315, se=34.456208)
    assert first.spoilered is False
    assert first.thumbnails_generated is True and first.processed is True
    assert first.representations is not None
    assert first.representations.full == "https://derpicdn.net/img/view/2020/4/7/2316404.png"
    assert first.representations.webm is None and first.representations.mp4 is None
    assert first.view_url is not None and first.view_url.startswith(
        "https://derpicdn.net/img/view/2020/4/7/2316404__safe_artist-colon-angelinarichter_"
    )
    # Fields early Philomena did not send yet are None, not invented.
    assert first.animated is None and first.duration is None
    assert first.size is None and first.orig_size is None
    assert first.locations == () and first.interactions == ()
    assert first.tag_count == 19 and dict(first.extra) == {}


def test_early_2020_null_source_and_unprocessed_spoilered_webm() -> None:
    raw = items(EARLY_2020, "images")
    images = PHILOMENA.structure_list(raw, Image)
    assert raw[1]["source_url"] is None
    assert images[1].source_urls == ()
    assert "source_url" not in images[1].extra

    webm = images[2]
    assert webm.id == 2316400
    assert webm.mime_type == "video/webm" and webm.format == "webm"
    assert webm.intensities is None
    assert webm.spoilered is True
    assert webm.thumbnails_generated is False and webm.processed is False
    assert webm.name == "Oh they fukkin Soarin Rainbow Dash.webm"
    assert webm.tags[9] == "soarin'"
    assert webm.representations == Representations(
        full="https://derpicdn.net/img/view/2020/4/7/2316400.webm",
        tall="https://derpicdn.net/img/2020/4/7/2316400/tall.webm",
        large="https://derpicdn.net/img/2020/4/7/2316400/large.webm",
        medium="https://derpicdn.net/img/2020/4/7/2316400/medium.webm",
        small="https://derpicdn.net/img/2020/4/7/2316400/small.webm",
        thumb="https://derpicdn.net/img/2020/4/7/2316400/thumb.webm",
        thumb_small="https://derpicdn.net/img/2020/4/7/2316400/thumb_small.webm",
        thumb_tiny="https://derpicdn.net/img/2020/4/7/2316400/thumb_tiny.webm",
    )
    for image, wire in zip(images, raw, strict=True):
        derived = frozenset({"source_url"})  # folded into source_urls (or dropped as null)
        assert_extra_exact(image, wire, Image, "philomena", derived=derived)


def test_2024_images_field_by_field() -> None:
    raw = items(IMAGES_2024, "images")
    first, second = PHILOMENA.structure_list(raw, Image)
    assert first.id == 0 and second.id == 1
    assert first.url == "https://derpibooru.org/images/0"
    assert first.created_at == utc(2012, 1, 2, 3, 10, 59)
    assert first.updated_at == utc(2024, 5, 17, 23, 56, 21)
    assert first.duration == 0.04 and first.animated is False
    assert first.size == 134173
    assert first.orig_sha512_hash == first.sha512_hash
    assert first.name == "0__derpy-hooves_j-period--jonah-jameson_ponified"
    assert first.uploader == "Carcer" and first.uploader_id == 211190
    assert first.faves == 2897 and first.comment_count == 4519
    assert first.wilson_score == pytest.approx(0.974323112667515)
    assert len(first.tags) == len(first.tag_ids) == 42
    assert first.tags[0] == "adventure in the comments" and first.tag_ids[-1] == 426994
    assert first.source_urls == ()
    assert first.representations is not None
    assert first.representations.large == "https://derpicdn.net/img/2012/1/2/0/full.jpg"

    assert second.orig_sha512_hash is None
    assert second.duration == 0.04
    assert second.aspect_ratio == 1.0
    assert second.size == 860914
    assert second.name == (
        "1__safe_fluttershy_solo_cloud_happy_flying_upvotes+galore_artist-colon-speccysy_get_sunshine"
    )
    assert second.source_urls == (
        "https://web.archive.org/web/20110702164313/http://speccysy.deviantart.com:80/art/"
        "Afternoon-Flight-215193985",
    )
    assert second.intensities == Intensities(
        nw=236.603365, ne=212.264528, sw=216.636501, se=209.61604
    )
    reps = second.representations
    assert reps is not None
    # Small images: the large and tall boxes point at the full file.
    assert reps.large == reps.tall == "https://derpicdn.net/img/2012/1/2/1/full.png"
    assert reps.full == "https://derpicdn.net/img/view/2012/1/2/1.png"
    assert reps.thumb_tiny == "https://derpicdn.net/img/2012/1/2/1/thumb_tiny.png"
    for image, wire in zip((first, second), raw, strict=True):
        assert_extra_exact(image, wire, Image, "philomena")
        assert image.tag_count == wire["tag_count"] and dict(image.extra) == {}


LEGACY_2016_09 = "derpibooru-legacy/search-json-2016-09.json"
LEGACY_2016_01 = "derpibooru-legacy/search-json-2016-01-deliciousblackink.json"


def test_legacy_images_field_by_field() -> None:
    raw = items(LEGACY_2016_09, "search")
    images = LEGACY.structure_list(raw, Image)
    assert len(images) == 15
    first = images[0]
    assert first.id == 1248664  # "1248664" on the wire
    assert first.url == "https://derpibooru.org/1248664"
    assert first.uploader_id == 312075  # "312075"
    assert first.tags == (
        "artist:oddends", "couple", "cuddling", "cute", "cutie mark", "earth pony", "hug", "oc",
        "oc:charlie", "oc:sorren", "pegasus", "safe", "snuggling", "winghug", "wings",
    )
    assert first.tag_ids[:3] == (40482, 216161, 171616)
    assert all(type(t) is int for t in first.tag_ids)
    # Three- and four-digit fractions.
    assert first.created_at == utc(2016, 9, 13, 21, 54, 32, 750000)
    assert first.updated_at == utc(2016, 9, 13, 21, 54, 35, 621400)
    assert first.name == "1473802143.oddends_sweet_love_and_bliss.png"  # file_name
    assert first.format == "png"  # original_format
    assert first.thumbnails_generated is True and first.processed is False  # is_rendered/...
    assert first.view_url == (
        "https://derpicdn.net/img/view/2016/9/13/1248664__safe_oc_cute_pegasus_earth+pony_hug_"
        "cutie+mark_wings_snuggling_cuddling.png"
    )
    assert first.representations is not None
    assert first.representations.thumb_tiny == (
        "https://derpicdn.net/img/2016/9/13/1248664/thumb_tiny.png"
    )
    assert first.source_urls == (
        "http://oddends.deviantart.com/art/Sweet-Love-And-Bliss-hard-shade-634307816",
    )
    assert first.hidden is False and first.media_type == "image"
    assert first.aspect_ratio == pytest.approx(1.66215512753774)
    assert dict(first.extra) == {"duplicate_reports": []}

    gif = images[2]
    assert gif.mime_type == "image/gif" and gif.source_urls == ()
    assert gif.representations is not None
    assert gif.representations.webm == "https://derpicdn.net/img/2016/9/13/1248661/full.webm"
    assert gif.representations.mp4 == "https://derpicdn.net/img/2016/9/13/1248661/full.mp4"

    # An anonymous upload: None as on Philomena, the legacy name kept in extra.
    anonymous = images[3]
    assert anonymous.uploader is None and anonymous.uploader_id is None
    assert anonymous.extra["uploader"] == "Background Pony"
    # The 2016 serialiser sent no tag_count; it is the number of tags.
    assert all(i.tag_count == len(i.tags) for i in images)
    for image, wire in zip(images, raw, strict=True):
        extra = dict(image.extra)
        if wire["uploader"] == "Background Pony":
            assert extra.pop("uploader") == "Background Pony"
        unclaimed = {k for k in wire if k not in claimed_keys(Image, "legacy")} - {"source_url"}
        assert extra == {k: wire[k] for k in unclaimed}
        assert image.id == int(wire["id"])
        assert image.tag_ids == tuple(int(t) for t in wire["tag_ids"])


def test_legacy_deliciousblackink_images_and_interactions() -> None:
    body = fixture_json(LEGACY_2016_01)
    images = LEGACY.structure_list(body["search"], Image)
    assert [i.id for i in images][:3] == [960596, 960548, 960480]
    first = images[0]
    assert first.uploader_id is None  # the key is absent in this payload
    assert first.source_urls == ()  # source_url ""
    assert "source_url" not in first.extra
    assert first.updated_at == utc(2016, 1, 14, 6, 0, 9, 385900)
    assert first.score == -20 and first.downvotes == 23
    assert images[1].source_urls == ("https://youtu.be/ma-CvOUqdKM",)
    assert LEGACY.total(body) == 418

    grouped = LEGACY.interactions(body)
    assert list(grouped) == [960596]
    vote, fave = grouped[960596]
    assert (vote.interaction_type, vote.value, vote.user_id) == ("voted", "down", 1)
    assert (fave.interaction_type, fave.value) == ("faved", None)
    assert dict(vote.extra) == {"id": 1234}  # legacy interactions carry their own id


# --- tags ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "derpibooru/search-tags-2020-04.json",
        "derpibooru/search-tags-2023-03.json",
        "derpibooru/appledash-2024-11-tags.json",
    ],
)
def test_philomena_tags_round_trip_every_field(name: str) -> None:
    raw = items(name, "tags")
    tags = PHILOMENA.structure_list(raw, Tag)
    assert len(tags) == len(raw)
    for tag, wire in zip(tags, raw, strict=True):
        assert tag.id == wire["id"] and tag.name == wire["name"] and tag.slug == wire["slug"]
        assert tag.images == wire["images"]
        assert tag.description == wire["description"]
        assert tag.short_description == wire["short_description"]
        assert tag.category == wire["category"] and tag.namespace == wire["namespace"]
        assert tag.name_in_namespace == wire["name_in_namespace"]
        # Philomena sends slugs in the relation fields: kept verbatim.
        assert tag.aliased_tag == wire["aliased_tag"]
        assert tag.aliases == tuple(wire["aliases"])
        assert tag.implied_tags == tuple(wire["implied_tags"])
        assert tag.implied_by_tags == tuple(wire["implied_by_tags"])
        assert tag.dnp_entries == ()
        assert tag.spoiler_image_uri == wire["spoiler_image_uri"]
        assert tag.site == "derpibooru"
        assert_extra_exact(tag, wire, Tag, "philomena")
        assert dict(tag.extra) == {}


def test_philomena_tags_2020_values() -> None:
    safe, solo, *_rest, oc_only, _mare, _clothes, simple, nudity = PHILOMENA.structure_list(
        items("derpibooru/search-tags-2020-04.json", "tags"), Tag
    )
    assert safe.url == "https://derpibooru.org/tags/safe"
    assert safe.category == "rating" and safe.images == 1525139
    assert safe.spoiler_image_uri == (
        "https://derpicdn.net/media/2012/07/01/16_01_52_242_safe.png"
    )
    assert safe.short_description == "Entirely safe for work and children."
    assert solo.implied_by_tags[:2] == ("solo+female", "solo+futa")
    assert oc_only.slug == "oc+only" and oc_only.implied_tags == ("oc",)
    assert oc_only.url == "https://derpibooru.org/tags/oc+only"
    assert simple.slug == "simple+background"
    assert nudity.spoiler_image_uri is not None and nudity.spoiler_image_uri.startswith("https://")


def test_philomena_tag_urls_for_namespaced_and_escaped_slugs() -> None:
    tags = {
        t.id: t
        for t in PHILOMENA.structure_list(items("derpibooru/appledash-2024-11-tags.json", "tags"),
                                          Tag)
    }
    fleet = tags[88661]
    assert fleet.name == "artist:fleet-wing" and fleet.slug == "artist-colon-fleet-dash-wing"
    assert fleet.namespace == "artist" and fleet.name_in_namespace == "fleet-wing"
    assert fleet.url == "https://derpibooru.org/tags/artist-colon-fleet-dash-wing"
    assert slugify(fleet.name) == fleet.slug
    shield = tags[476836]
    assert shield.slug == "oc-colon-shield+wing" and shield.namespace == "oc"
    wing_hands = tags[47573]
    assert wing_hands.aliases == ("prehensile+wings", "winghands")
    assert wing_hands.implied_tags == ("wings",)
    # An old percent-escaped slug is escaped once more for the URL path (%28 -> %2528).
    old = PHILOMENA.structure(
        {**items("derpibooru/search-tags-2023-03.json", "tags")[0],
         "slug": "apple+flitter+%28ship%29", "name": "apple flitter (ship)"},
        Tag,
    )
    assert old.url == "https://derpibooru.org/tags/apple+flitter+%2528ship%2529"


LEGACY_TAGS = "derpibooru-legacy/tags-json-2017-09.json"


def test_legacy_tags_names_become_the_sites_own_slugs() -> None:
    raw = items(LEGACY_TAGS, None)  # a bare array of 250
    tags = LEGACY.structure_list(raw, Tag)
    assert len(tags) == 250
    safe = tags[0]
    assert (safe.id, safe.name, safe.slug, safe.category) == (40482, "safe", "safe", "rating")
    assert safe.spoiler_image_uri == "https://derpicdn.net/media/2012/07/01/16_01_52_242_safe.png"
    assert safe.implied_tags == ()  # "" on the wire
    assert safe.aliased_tag is None  # aliased_to: null
    assert dict(safe.extra) == {"aliased_to_id": None, "implied_tag_ids": []}

    by_id = {t.id: t for t in tags}
    mane_six = by_id[33907]
    assert mane_six.implied_tags == (
        "applejack", "fluttershy", "pinkie+pie", "rainbow+dash", "rarity", "twilight+sparkle",
    )
    assert by_id[46873].implied_tags == ("dj+pon-dash-3",)  # vinyl scratch -> "dj pon-3"
    assert by_id[25290].slug == "dj+pon-dash-3"
    assert by_id[319526].slug == "twilight+sparkle+%28alicorn%29"
    assert by_id[319526].url == "https://derpibooru.org/tags/twilight+sparkle+%2528alicorn%2529"
    assert by_id[43277].spoiler_image_uri == (
        "https://derpicdn.net/media/2015/12/27/04_31_43_761_1053425.png"
    )

    # Cross-check: every implied tag that is in the file is listed under its own slug (the
    # names come sorted, the ids do not, so compare as sets).
    checked = 0
    for tag, wire in zip(tags, raw, strict=True):
        assert len(tag.implied_tags) == len(wire["implied_tag_ids"])
        for tag_id in wire["implied_tag_ids"]:
            if tag_id in by_id:
                assert by_id[tag_id].slug in tag.implied_tags
                checked += 1
        assert slugify(tag.name, escaped=True) == tag.slug
        assert_extra_exact(tag, wire, Tag, "legacy")
    assert checked > 20


def test_legacy_v2_tags_keep_unmodelled_flags_in_extra() -> None:
    raw = items("derpibooru-legacy/api-v2-tags-fetch-many-2016-03.json", "tags")
    cutelestia, oc = LEGACY.structure_list(raw, Tag)
    assert cutelestia.implied_tags == ("cute", "princess+celestia")
    assert cutelestia.images == 922
    assert dict(cutelestia.extra) == {
        "spoiler": False,
        "hidden": False,
        "system": False,
        "spoiler_image_uri_small": None,
        "spoiler_image_uri_tiny": None,
        "aliased_to_id": None,
        "implied_tag_ids": [24249, 38648],
    }
    assert oc.spoiler_image_uri is not None
    assert oc.spoiler_image_uri.startswith("https://derpicdn.net/media/W1siZi")
    # extra keeps the wire value untouched (protocol-relative).
    assert oc.extra["spoiler_image_uri_small"].startswith("//derpicdn.net/media/")
    for tag, wire in zip((cutelestia, oc), raw, strict=True):
        assert_extra_exact(tag, wire, Tag, "legacy")


# --- text, forums, galleries, filters, users --------------------------------------------


def test_comment_2024() -> None:
    (comment,) = PHILOMENA.structure_list(
        items("derpibooru/appledash-2024-11-comments.json", "comments"), Comment
    )
    assert comment == Comment(
        id=1000,
        image_id=454937,
        user_id=286453,
        author="HyaenusDominae",
        avatar="https://derpicdn.net/avatars/2015/03/16/06_19_12_201_SaUBG32.png",
        body="Which video is this from?",
        created_at=utc(2013, 11, 28, 14, 40, 56),
        updated_at=utc(2013, 11, 28, 14, 40, 56),
        edited_at=None,
        edit_reason=None,
        hidden=False,
    )
    assert dict(comment.extra) == {}


def test_forum_posts_2024() -> None:
    raw = items("derpibooru/appledash-2024-11-posts.json", "posts")
    posts = PHILOMENA.structure_list(raw, ForumPost)
    assert len(posts) == 25
    first = posts[0]
    assert first.id == 2039231 and first.author == "40kponyguy" and first.user_id == 308422
    assert first.edited_at == utc(2017, 7, 1, 4, 52, 41)
    assert first.edit_reason is None  # "" on the wire
    assert first.created_at == utc(2016, 3, 7, 0, 32, 15)
    assert first.body is not None and first.body.startswith("This thread is for the artists")
    assert first.hidden is False
    generated = posts[2]
    assert generated.author == "Mrmildock"
    assert generated.avatar is not None
    assert generated.avatar.startswith("data:image/svg+xml;base64,")  # kept as sent
    assert generated.avatar == raw[2]["avatar"]
    edited = [p.id for p, w in zip(posts, raw, strict=True) if w["edit_reason"] == ""]
    assert edited == [2039231, 2039707, 2039772]
    assert all(p.edit_reason is None for p in posts)
    for post, wire in zip(posts, raw, strict=True):
        assert_extra_exact(post, wire, ForumPost, "philomena")


def test_topics_2024() -> None:
    first, second = PHILOMENA.structure_list(
        items("derpibooru/appledash-2024-11-topics.json", "topics"), Topic
    )
    assert first == Topic(
        slug="artists-group-chat",
        title="[SFW] Artist's Group Chat",
        post_count=14913,
        view_count=338963,
        sticky=True,
        locked=False,
        last_replied_to_at=utc(2024, 11, 26, 23, 43, 49),
        user_id=308422,
        author="40kponyguy",
    )
    assert second.slug == "featured-image" and second.author == "The Frowning Pony"
    assert dict(first.extra) == dict(second.extra) == {}


def test_forums_2024() -> None:
    forums = PHILOMENA.structure_list(
        items("derpibooru/appledash-2024-11-forums.json", "forums"), Forum
    )
    assert [f.short_name for f in forums] == [
        "art", "writing", "dis", "generals", "pony", "rp", "meta", "tagging", "uppers",
    ]
    assert forums[0] == Forum(
        short_name="art",
        name="Art Chat",
        description="Discuss art of any form, and share techniques and tips",
        topic_count=2228,
        post_count=81207,
    )
    assert forums[2].post_count == 1480797


def test_galleries_2024_user_becomes_creator() -> None:
    raw = items("derpibooru/appledash-2024-11-galleries.json", "galleries")
    galleries = PHILOMENA.structure_list(raw, Gallery)
    assert len(galleries) == 21  # total says 23: a short page is not the end
    first = galleries[0]
    assert first == Gallery(
        id=25220,
        title="safe art",
        description="nose ",
        thumbnail_id=3475909,
        spoiler_warning="",
        creator="Rusher pony",
        creator_id=718518,
    )
    assert first.user == "Rusher pony" and first.user_id == 718518  # 1.2 names still work
    assert galleries[1].creator == "Background Pony #13378008132"
    assert galleries[1].spoiler_warning == "Safe Art"
    assert galleries[4].thumbnail_id == 3
    for gallery, wire in zip(galleries, raw, strict=True):
        assert (gallery.creator, gallery.creator_id) == (wire["user"], wire["user_id"])
        assert dict(gallery.extra) == {}


def test_filters_2024_bare_array() -> None:
    raw = fixture_json("derpibooru/appledash-2024-11-filters.json")
    assert isinstance(raw, list)
    (everything,) = PHILOMENA.structure_list(raw, Filter)
    assert everything == Filter(
        id=56027,
        name="Everything",
        description="This filter won't filter anything out at all - that means NSFW content!",
        public=False,
        system=True,
        user_count=80438,
        user_id=None,
        hidden_tag_ids=(),
        spoilered_tag_ids=(),
        hidden_complex=None,
        spoilered_complex=None,
    )
    assert dict(everything.extra) == {}


def test_users_2024_bare_one_element_array() -> None:
    raw = fixture_json("derpibooru/appledash-2024-11-users.json")
    assert isinstance(raw, list) and len(raw) == 1
    (user,) = PHILOMENA.structure_list(raw, User)
    assert (user.id, user.name, user.slug, user.role) == (216494, "Joey", "Joey", "user")
    assert user.created_at == utc(2012, 6, 25, 1, 15, 57)
    assert (user.comments_count, user.uploads_count, user.posts_count, user.topics_count) == (
        5406, 802, 5060, 183,
    )
    assert user.avatar_url == (
        "https://derpicdn.net/avatars/2019/11/13/14215782720827205181237247282992609700.png"
    )
    assert user.description is not None and user.description.startswith("Every year I take")
    assert user.links == (
        Link(user_id=216494, tag_id=379649, state="verified", created_at=utc(2018, 12, 10, 4, 53, 18)),
    )
    assert len(user.awards) == 46
    assert user.awards[0] == Award(
        id=45,
        title="Flexible",
        label="Bendy Pony",
        image_url="https://derpicdn.net/badges/2016/10/14/8712887b1e0d35ef02f8cf8.svg",
        awarded_on=utc(2016, 2, 28, 14, 52, 15),
    )
    assert user.awards[-1].awarded_on == utc(2024, 8, 30, 3, 23, 0)
    # Empty labels stay "" (only edit reasons and complex filters fold "" into None).
    wire_labels = [a["label"] for a in raw[0]["awards"]]
    assert [a.label for a in user.awards] == wire_labels
    assert wire_labels.count("") == 2
    assert all(dict(a.extra) == {} for a in user.awards)
    assert dict(user.extra) == {}


# --- every file, every object ------------------------------------------------------------


EVERY_FILE = [
    (PHILOMENA, EARLY_2020, "images", Image),
    (PHILOMENA, IMAGES_2024, "images", Image),
    (PHILOMENA, "derpibooru/search-tags-2020-04.json", "tags", Tag),
    (PHILOMENA, "derpibooru/search-tags-2023-03.json", "tags", Tag),
    (PHILOMENA, "derpibooru/appledash-2024-11-tags.json", "tags", Tag),
    (PHILOMENA, "derpibooru/appledash-2024-11-comments.json", "comments", Comment),
    (PHILOMENA, "derpibooru/appledash-2024-11-posts.json", "posts", ForumPost),
    (PHILOMENA, "derpibooru/appledash-2024-11-topics.json", "topics", Topic),
    (PHILOMENA, "derpibooru/appledash-2024-11-forums.json", "forums", Forum),
    (PHILOMENA, "derpibooru/appledash-2024-11-galleries.json", "galleries", Gallery),
    (PHILOMENA, "derpibooru/appledash-2024-11-filters.json", None, Filter),
    (PHILOMENA, "derpibooru/appledash-2024-11-users.json", None, User),
    (LEGACY, LEGACY_2016_09, "search", Image),
    (LEGACY, LEGACY_2016_01, "search", Image),
    (LEGACY, LEGACY_TAGS, None, Tag),
    (LEGACY, "derpibooru-legacy/api-v2-tags-fetch-many-2016-03.json", "tags", Tag),
]


@pytest.mark.parametrize(("decoder", "name", "member", "cls"), EVERY_FILE,
                         ids=[f[1].split("/")[-1] for f in EVERY_FILE])
def test_every_real_file_parses_and_loses_nothing(
    decoder: Decoder, name: str, member: str | None, cls: type
) -> None:
    body = fixture_json(name)
    raw = decoder.member(body, member)
    parsed = decoder.structure_list(raw, cls)
    assert len(parsed) == len(raw)
    if isinstance(body, dict) and "total" in body:
        assert decoder.total(body) == body["total"]
    flavour = decoder.ctx.flavour
    for obj, wire in zip(parsed, raw, strict=True):
        assert type(obj) is cls
        # Every wire key is either a model field (maybe renamed) or kept in extra.
        for key in wire:
            assert key in claimed_keys(cls, flavour) or key in obj.extra or key == "source_url"
        # Every model field that the wire sent under its own name carries a value.
        names = {f.name for f in attrs.fields(cls)}
        for key, value in wire.items():
            if key in names and value is not None and value != [] and key != "edit_reason":
                # An anonymous legacy uploader is None, its name kept in extra.
                kept = key == "uploader" and obj.extra.get("uploader") == value
                assert kept or getattr(obj, key) is not None, key
