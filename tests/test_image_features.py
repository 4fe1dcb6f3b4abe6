"""Bot helpers on ``ba.Image``: artists, ratings, credit, best representation, the chat
embed and the rating ceiling, from tables and from every flavour of the fake server."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

import booru_async as ba
from booru_async.testing import Board, FakeBooru

CDN = "https://derpicdn.net/img/2020/1/1/7"


def reps(ext: str = "png", *, video: bool = False) -> ba.Representations:
    names = ("full", "tall", "large", "medium", "small", "thumb", "thumb_small", "thumb_tiny")
    urls: dict[str, Any] = {n: f"{CDN}/{n}.{ext}" for n in names}
    if video:
        urls["webm"] = f"{CDN}/full.webm"
        urls["mp4"] = f"{CDN}/full.mp4"
    return ba.Representations(**urls)


def image(**changes: Any) -> ba.Image:
    base = ba.Image(
        id=7,
        site="derpibooru",
        url="https://derpibooru.org/images/7",
        tags=("artist:speccysy", "safe", "fluttershy", "artist:other one"),
        source_urls=("https://example.com/art/1",),
        width=2000,
        height=1000,
        representations=reps(),
        animated=False,
    )
    return attrs.evolve(base, **changes)


@pytest.mark.parametrize(
    ("tags", "artists"),
    [
        ((), ()),
        (("safe",), ()),
        (("artist:speccysy",), ("speccysy",)),
        (("artist:b", "safe", "artist:a"), ("b", "a")),  # tag order, not sorted
        (("artist:",), ()),  # an empty name is not an artist
        (("artist: spaced ",), ("spaced",)),
        (("artists:x", "colorist:y", "editor:z"), ()),  # other origin namespaces are not artists
    ],
)
def test_artists(tags: tuple[str, ...], artists: tuple[str, ...]) -> None:
    assert image(tags=tags).artists == artists


@pytest.mark.parametrize(
    ("tags", "rating", "rating_tags"),
    [
        ((), None, ()),
        (("fluttershy",), None, ()),
        (("safe",), "safe", ("safe",)),
        (("grimdark", "suggestive"), "suggestive", ("suggestive", "grimdark")),
        (("explicit", "grotesque", "semi-grimdark"), "explicit",
         ("explicit", "semi-grimdark", "grotesque")),
        (("grimdark",), None, ("grimdark",)),  # a dark tag alone is no primary rating
        # Two primary ratings (the sites refuse this; a server bug): the most explicit wins.
        (("safe", "explicit"), "explicit", ("safe", "explicit")),
        (("questionable", "safe"), "questionable", ("safe", "questionable")),
    ],
)
def test_rating_and_rating_tags(
    tags: tuple[str, ...], rating: str | None, rating_tags: tuple[str, ...]
) -> None:
    img = image(tags=tags)
    assert img.rating == rating
    assert img.rating_tags == rating_tags


@pytest.mark.parametrize(
    ("tags", "ceiling", "allow", "ok"),
    [
        (("safe",), "safe", (), True),
        (("suggestive",), "safe", (), False),
        (("suggestive",), "questionable", (), True),
        (("explicit",), "questionable", (), False),
        (("explicit",), "explicit", (), True),
        (("safe", "grimdark"), "safe", (), False),
        (("safe", "grimdark"), "safe", ("grimdark",), True),
        (("safe", "grimdark", "grotesque"), "explicit", ("grimdark",), False),
        (("fluttershy",), "explicit", (), False),  # unrated: refused
        ((), "explicit", (), False),  # hidden image stubs have no tags
    ],
)
def test_rated_at_most(
    tags: tuple[str, ...], ceiling: ba.Rating, allow: tuple[ba.RatingTag, ...], ok: bool
) -> None:
    assert image(tags=tags).rated_at_most(ceiling, allow=allow) is ok


def test_rated_at_most_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match="ceiling"):
        image().rated_at_most("pg")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="allow"):
        image().rated_at_most("safe", allow=("explicit",))  # type: ignore[arg-type]


def test_credit_is_frozen_data_with_a_one_line_attribution() -> None:
    credit = image().credit()
    assert credit == ba.Credit(
        artists=("speccysy", "other one"),
        source_urls=("https://example.com/art/1",),
        page_url="https://derpibooru.org/images/7",
        site_name="derpibooru",
    )
    assert str(credit) == (
        "Art by speccysy, other one | Source: https://example.com/art/1"
        " | https://derpibooru.org/images/7 (derpibooru)"
    )
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        credit.page_url = "x"  # type: ignore[misc]
    hash(credit)


@pytest.mark.parametrize(
    ("changes", "line"),
    [
        ({"tags": ("safe",), "source_urls": ()},
         "Artist unknown | Source: not given | https://derpibooru.org/images/7 (derpibooru)"),
        ({"tags": ("artist:a\nb",), "source_urls": ("https://x.example/1", "https://y.example/ 2")},
         "Art by a b | Source: https://x.example/1 https://y.example/2"
         " | https://derpibooru.org/images/7 (derpibooru)"),
    ],
)
def test_credit_line_never_breaks(changes: dict[str, Any], line: str) -> None:
    text = str(image(**changes).credit())
    assert text == line and "\n" not in text


# (width, height, animated, ext, video, max_width, max_height, expected representation)
BEST = [
    (2000, 1000, False, "png", False, None, None, "full"),
    (2000, 1000, False, "png", False, 1920, 1080, "large"),  # full 2000 wide > 1920; large 1280
    (2000, 1000, False, "png", False, 1280, None, "large"),
    (2000, 1000, False, "png", False, 1279, None, "tall"),  # tall: 1024x512 fits 1279
    (2000, 1000, False, "png", False, 900, 500, "medium"),  # medium 800x400
    (2000, 1000, False, "png", False, 300, None, "thumb"),  # thumb 250x125; small 320 too wide
    (2000, 1000, False, "png", False, 40, None, None),  # nothing fits
    (600, 6000, False, "png", False, None, 4096, "tall"),  # a long comic: tall 410x4096
    (600, 6000, False, "png", False, None, 1000, "medium"),  # large is 102x1024; medium 60x600
    (200, 100, False, "png", False, 250, 250, "full"),  # small image: full fits; same size wins
    # animated GIF: every size is a .gif, so animation is kept at any bound
    (2000, 1000, True, "gif", True, 900, None, "medium"),
    (2000, 1000, True, "gif", True, None, None, "full"),
]


@pytest.mark.parametrize(
    ("width", "height", "animated", "ext", "video", "max_w", "max_h", "expected"), BEST
)
def test_best_representation_table(
    width: int, height: int, animated: bool, ext: str, video: bool,
    max_w: int | None, max_h: int | None, expected: str | None,
) -> None:
    img = image(width=width, height=height, animated=animated, representations=reps(ext,
                                                                                     video=video))
    got = img.best_representation(max_w, max_h)
    assert got == (None if expected is None else getattr(img.representations, expected))


def test_animated_image_prefers_an_animated_file_over_a_larger_still() -> None:
    # A WebM video: the thumbnails are stills (.png) but the full webm/mp4 are animated.
    stills = {n: f"{CDN}/{n}.png" for n in
              ("tall", "large", "medium", "small", "thumb", "thumb_small", "thumb_tiny")}
    reps_ = ba.Representations(full=f"{CDN}/full.webm", webm=f"{CDN}/full.webm",
                               mp4=f"{CDN}/full.mp4", **stills)
    img = image(width=640, height=360, animated=True, representations=reps_)
    assert img.best_representation() == f"{CDN}/full.webm"
    # Nothing animated fits 300 px: a still one is better than nothing.
    assert img.best_representation(300) == f"{CDN}/thumb.png"
    # A still image never gets a video.
    assert image(animated=False).best_representation() == f"{CDN}/full.png"


def test_best_representation_without_sizes_or_files() -> None:
    unknown = image(width=None, height=None)
    assert unknown.best_representation() == f"{CDN}/full.png"
    # Only the boxes bound a thumbnail of unknown size; the full file cannot be shown to fit.
    assert unknown.best_representation(1000, 1000) == f"{CDN}/medium.png"
    assert image(hidden=True, representations=None).best_representation() is None
    with pytest.raises(ValueError):
        image().best_representation(0)


@pytest.mark.parametrize(
    ("changes", "spoiler_above", "spoiler"),
    [
        ({}, "safe", False),
        ({"spoilered": True}, "safe", True),
        ({"tags": ("suggestive",)}, "safe", True),
        ({"tags": ("suggestive",)}, "suggestive", False),
        ({"tags": ("safe", "semi-grimdark")}, "explicit", True),
        ({"tags": ()}, "explicit", True),
    ],
)
def test_embed_spoiler(changes: dict[str, Any], spoiler_above: ba.Rating, spoiler: bool) -> None:
    assert image(**changes).embed(spoiler_above=spoiler_above)["spoiler"] is spoiler


def test_embed_is_a_plain_dict() -> None:
    img = image()
    embed = img.embed(max_width=1000)
    assert embed == {
        "title": "derpibooru #7 by speccysy, other one",
        "url": "https://derpibooru.org/images/7",
        "image_url": f"{CDN}/medium.png",
        "spoiler": False,
        "rating": "safe",
        "footer": str(img.credit()),
    }
    assert all(type(v) in (str, bool) for v in embed.values())


def test_public_names() -> None:
    assert ba.RATINGS == ("safe", "suggestive", "questionable", "explicit")
    assert ba.RATING_TAGS[4:] == ba.DARK_RATING_TAGS == ("semi-grimdark", "grimdark", "grotesque")
    for name in ("Credit", "Rating", "RatingTag", "RATINGS", "RATING_TAGS", "DARK_RATING_TAGS"):
        assert name in ba.__all__


PROFILE = {"philomena": "derpibooru", "twibooru": "twibooru", "legacy": "twibooru-legacy"}


@pytest.fixture(scope="module")
def board() -> Board:
    return Board.generate(seed=11, images=150, users=15, galleries=2, topics=2)


@pytest.mark.anyio
@pytest.mark.parametrize("flavour", ["philomena", "twibooru", "legacy"])
async def test_unified_across_flavours(board: Board, flavour: str) -> None:
    fake = FakeBooru(board, flavour=flavour)
    fake.base_url = "https://booru.test"
    visible = [i for i in board.images.values() if not i.hidden_from_users and i.approved]
    chosen = sorted(visible, key=lambda i: i.id)[:30]
    async with ba.Client(PROFILE[flavour], base_url=fake.base_url,
                         transport=fake.transport()) as client:  # type: ignore[call-arg]
        for expected in chosen:
            got = await client.images.get(expected.id)
            names = [board.tags[t].name for t in expected.tag_ids]
            assert set(got.artists) == {n[len("artist:"):] for n in names
                                        if n.startswith("artist:")}
            assert got.artists == tuple(t[len("artist:"):] for t in got.tags
                                        if t.startswith("artist:"))
            assert set(got.rating_tags) == set(names) & set(ba.RATING_TAGS)
            primary = [r for r in ba.RATINGS if r in names]
            assert got.rating == (primary[-1] if primary else None)
            credit = got.credit()
            assert credit.page_url == got.url and got.url.startswith("https://booru.test/")
            assert str(expected.id) in str(credit)
            best = got.best_representation(800, 800)
            assert best is not None and best.startswith("https://booru.test/")
            assert got.embed()["image_url"] == got.best_representation()
