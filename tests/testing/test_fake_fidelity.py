"""The fake answers as the real servers' source says (issue 11).

Each test writes the request and the answer the server source produces, citing the file
and function of derpibooru/booru-on-rails (commit 8aa5a8f, the legacy flavour) or of
philomena-dev/philomena that decides it, and checks the fake against that exchange.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import httpx
import pytest

from booru_async.cli._cmd_serve import served_budgets
from booru_async.testing import Board, FakeBooru, FakeClock

pytestmark = pytest.mark.asyncio


@pytest.fixture(scope="module")
def _board() -> Board:
    return Board.generate(seed=11, images=300, users=40, galleries=10, topics=5)


@pytest.fixture
def board(_board: Board) -> Board:
    return copy.deepcopy(_board)


def ids(body: dict[str, Any], member: str = "images") -> list[int]:
    return [int(i["id"]) for i in body[member]]


def visible_ids(board: Board) -> list[int]:
    return sorted(i.id for i in board.images.values() if not i.hidden_from_users)


# --- /images.json with constraint: ImagesController#index_constraints -------------------


async def test_constraint_order_blank_or_a_is_ascending_d_descending(board: Board) -> None:
    fake = FakeBooru(board, flavour="legacy")
    everything = visible_ids(board)
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http:
        # ``if params[:order].blank? || params[:order] == 'a'`` -> ascending
        blank = (await http.get("/images.json", params={"constraint": "id"})).json()
        a = (await http.get("/images.json", params={"constraint": "id", "order": "a"})).json()
        d = (await http.get("/images.json", params={"constraint": "id", "order": "d"})).json()
        # ``sd`` is not read here: the legacy SDK bug sent ``sd=d`` and got ascending pages.
        sd = (await http.get("/images.json", params={"constraint": "id", "sd": "d"})).json()
        # ``else return []``
        other = await http.get("/images.json", params={"constraint": "id", "order": "desc"})
    assert ids(blank) == ids(a) == ids(sd) == everything[:25]
    assert ids(d) == everything[::-1][:25]
    assert other.status_code == 200 and other.json() == {"images": [], "interactions": []}


async def test_constraint_pages_by_25_whatever_page_and_perpage_say(board: Board) -> None:
    # ``.limit(@per_page).page(@page)``: @page is never set and Kaminari's ``page`` scope
    # replaces the limit with its default of 25 (kaminari 1.1.1
    # ActiveRecordModelExtension#page), so neither parameter moves the window.
    fake = FakeBooru(board, flavour="legacy")
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http:
        first = (await http.get("/images.json?constraint=id&order=d")).json()
        paged = (await http.get("/images.json?constraint=id&order=d&page=3&perpage=50")).json()
        small = (await http.get("/images.json?constraint=id&order=d&perpage=5")).json()
    assert ids(first) == ids(paged) == ids(small)
    assert len(ids(first)) == 25


async def test_constraint_bounds_and_deleted(board: Board) -> None:
    fake = FakeBooru(board, flavour="legacy")
    hidden = sorted(i.id for i in board.images.values() if i.hidden_from_users)
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http:
        lt = (await http.get("/images.json?constraint=id&order=d&lt=100")).json()
        window = (await http.get("/images.json?constraint=id&gt=10&lte=20")).json()
        deleted = (await http.get("/images.json?constraint=id&lte=300&deleted=1&order=d")).json()
        # PostgreSQL refuses the cast when the query runs, outside the ``rescue``: 500.
        garbage = await http.get("/images.json?constraint=id&lt=abc")
        # an unknown constraint: ``else return []``
        unknown = (await http.get("/images.json?constraint=score&order=d")).json()
    assert ids(lt) == [i for i in visible_ids(board) if i < 100][::-1][:25]
    assert ids(window) == [i for i in visible_ids(board) if 10 < i <= 20]
    # ``constraints[:hidden_from_users] = false unless @include_deleted``
    in_window = [i for i in sorted(board.images) if i <= 300][::-1][:25]
    assert ids(deleted) == in_window and set(hidden) & set(ids(deleted))
    assert garbage.status_code == 500
    assert unknown == {"images": [], "interactions": []}


# --- /images.json without constraint: the front page ---------------------------------------


async def test_front_page_lags_three_minutes_and_pages(board: Board) -> None:
    clock = FakeClock(2_000_000_000.0)
    fake = FakeBooru(board, flavour="legacy", clock=clock)
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http:
        top = ids((await http.get("/images.json?perpage=50")).json())
        newest = board.images[top[0]]
        # ApplicationController#frontpage_images: ``created_at.lte: 3 minutes ago``
        clock.now = (newest.created_at + timedelta(minutes=1)).timestamp()
        early = (await http.get("/images.json?perpage=5")).json()
        clock.advance(180)
        later = (await http.get("/images.json?perpage=5")).json()
        page2 = (await http.get("/images.json?perpage=5&page=2")).json()
        # booru-on-rails reads ``deleted`` only with ``constraint``; staff use ``del``.
        deleted = (await http.get("/images.json?perpage=5&deleted=1")).json()
    assert newest.id not in ids(early) and ids(later)[0] == newest.id
    # newest first, ``perpage`` and ``page`` honoured
    assert ids(later) + ids(page2) == top[:10]
    dates = [board.images[i].created_at for i in top]
    assert dates == sorted(dates, reverse=True)
    assert ids(deleted) == ids(later)


async def test_twibooru_front_page_deleted_and_random_image(board: Board) -> None:
    # Twibooru's legacy API page documents both on /images.json.
    fake = FakeBooru(board, flavour="legacy", legacy_variant="twibooru")
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http:
        plain = (await http.get("/images.json?perpage=50")).json()
        deleted = (await http.get("/images.json?perpage=50&deleted=1")).json()
        shuffled = (await http.get("/images.json?perpage=50&random_image=1")).json()
    stubs = [i for i in deleted["images"] if "sha512_hash" not in i]
    assert not any("sha512_hash" not in i for i in plain["images"])
    # "metadata is limited to id, created_at, updated_at, and either deletion_reason or
    # duplicate_of"
    assert stubs and all(
        set(s) in ({"id", "created_at", "updated_at", "deletion_reason"},
                   {"id", "created_at", "updated_at", "duplicate_of"})
        for s in stubs
    )
    assert ids(shuffled) != ids(plain)


# --- comments: Images::CommentsController#index + CommentQuery.paginate --------------------


async def test_comments_page_by_twenty_and_ignore_perpage(board: Board) -> None:
    image = max(board.images.values(), key=lambda i: (not i.hidden_from_users, i.comments_count))
    assert image.comments_count > 20
    fake = FakeBooru(board, flavour="legacy")
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http:
        first = (await http.get(f"/images/{image.id}/comments.json?perpage=50")).json()
        second = (await http.get(f"/images/{image.id}/comments.json?perpage=50&page=2")).json()
        zero = (await http.get(f"/images/{image.id}/comments.json?page=0")).json()
    # ``per_page = current_user&.comments_per_page || 20``; ``total: @image.comments_count``
    assert len(first["comments"]) == 20 and first["total"] == image.comments_count
    assert zero == first  # ``page.to_i`` 0 is Kaminari's first page
    listed = ids(first, "comments") + ids(second, "comments")
    expected = sorted(
        (c for c in board.comments.values() if c.image_id == image.id and not c.destroyed_content),
        key=lambda c: (c.created_at, c.id),
        reverse=True,
    )
    assert listed == [c.id for c in expected][:40]
    assert set(first["comments"][0]) == {"id", "body", "author", "image_id", "posted_at",
                                         "deleted"}


# --- galleries: GalleriesController#show --------------------------------------------------


async def test_gallery_show_is_the_envelope(board: Board) -> None:
    gallery = max(board.galleries.values(), key=lambda g: len(g.image_ids))
    fake = FakeBooru(board, flavour="legacy")
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http:
        body = (await http.get(f"/galleries/{gallery.id}.json?perpage=10")).json()
    # ``render json: { gallery: @gallery.as_json, images: @images, interactions: ... }``
    assert set(body) == {"gallery", "images", "interactions"}
    # GalleryIndex#as_json without ``include_images``
    assert set(body["gallery"]) == {"id", "title", "description", "spoiler_warning",
                                    "updated_at", "created_at", "creator_id",
                                    "watcher_count", "image_count"}
    assert body["gallery"]["id"] == gallery.id
    # ImageLoader#gallery sorts by ``galleries.position`` in the gallery's order (desc by
    # default); the filter still applies, so compare positions.
    positions = [gallery.image_ids.index(i) for i in ids(body)]
    assert len(positions) == 10 and positions == sorted(positions, reverse=True)


# --- tags: TagsController#show ------------------------------------------------------------


async def test_tag_show_lists_aliases_as_names(board: Board) -> None:
    alias = next(t for t in board.tags.values() if t.aliased_to is not None)
    target = board.tags[alias.aliased_to]  # type: ignore[index]
    fake = FakeBooru(board, flavour="legacy")
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http:
        body = (await http.get(f"/tags/{target.slug}.json")).json()
        moved = await http.get(f"/tags/{alias.slug}.json")
    # ``aliases: @tag.aliases.map(&:name)``
    assert alias.name in body["aliases"]
    assert all(isinstance(a, str) for a in body["aliases"])
    assert set(body) == {"tag", "aliases", "dnp_entries", "images", "interactions"}
    # ``redirect_to url_for(@tag.aliased_tag) + '.json'``
    assert moved.status_code == 301 and moved.headers["location"].endswith(
        f"/tags/{target.slug}.json")


# --- reverse search: SearchController#reverse ---------------------------------------------


async def test_reverse_search_with_an_unfetchable_url_redirects_to_the_form(board: Board) -> None:
    fake = FakeBooru(board, flavour="legacy")
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http:
        sent = await http.post("/search/reverse.json",
                               data={"scraper_url": "https://nowhere.invalid/x.png"})
        nothing = await http.post("/search/reverse.json", data={"fuzziness": "0.3"})
        junk = await http.post("/search/reverse.json",
                               files={"image": ("a.png", b"not an image", "image/png")})
        form = await http.get(sent.headers["location"])
    # ``flash[:error] = ...; redirect_to search_reverse_path`` (no scraped image, or the
    # file "could not be analyzed"), for a JSON request too.
    for resp in (sent, nothing, junk):
        assert resp.status_code == 302
        assert resp.headers["location"] == f"{fake.base_url}/search/reverse"
        assert resp.headers["content-type"].startswith("text/html")
    assert form.status_code == 200 and form.headers["content-type"].startswith("text/html")


async def test_reverse_search_by_file_answers_search_and_total(board: Board) -> None:
    image = next(i for i in board.images.values()
                 if not i.hidden_from_users and i.intensities is not None)
    fake = FakeBooru(board, flavour="legacy")
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http:
        view = (await http.get(f"/images/{image.id}.json")).json()["image"]
        data = fake.resolve_url("http:" + view)
        assert data is not None
        # ``params[:image].read``: the multipart part is ``image``
        resp = await http.post("/search/reverse.json",
                               files={"image": ("a", data, image.mime_type)})
    body = resp.json()
    assert resp.status_code == 200 and set(body) == {"search", "total"}
    assert image.id in ids(body, "search") and body["total"] == len(body["search"])


# --- sorting: ApplicationController#parse_sort --------------------------------------------


@pytest.mark.parametrize("sf", ["faves", "id", "pixels", "nonsense", "gallery_id:x"])
async def test_unknown_sort_fields_fall_back_to_created_at(board: Board, sf: str) -> None:
    fake = FakeBooru(board, flavour="legacy")
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http:
        base = {"q": "safe", "perpage": "50", "sd": "asc"}
        reference = (await http.get("/search.json", params={**base, "sf": "created_at"})).json()
        unknown = (await http.get("/search.json", params={**base, "sf": sf})).json()
        bad_sd = (await http.get("/search.json", params={"q": "safe", "sd": "up"})).json()
        default = (await http.get("/search.json", params={"q": "safe"})).json()
    # ``sf ||= :created_at``; ``sd ||= :desc``
    assert ids(unknown, "search") == ids(reference, "search")
    assert ids(bad_sd, "search") == ids(default, "search")
    images = {i.id: i for i in board.images.values()}
    dates = [images[i].created_at for i in ids(reference, "search")]
    assert dates == sorted(dates)


async def test_known_legacy_sort_names_sort_with_an_id_tiebreak(board: Board) -> None:
    fake = FakeBooru(board, flavour="legacy")
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http:
        body = (await http.get("/search.json", params={"q": "safe", "sf": "score", "sd": "asc",
                                                       "perpage": "50"})).json()
    # ``[{ sf => sd }, { id: :desc }]``
    pairs = [(int(i["score"]), -int(i["id"])) for i in body["search"]]
    assert pairs == sorted(pairs)


# --- query errors: lib/search_parser.rb ---------------------------------------------------


async def test_a_bad_date_is_a_400_on_booru_on_rails(board: Board) -> None:
    fake = FakeBooru(board, flavour="legacy")
    twibooru = FakeBooru(board, flavour="legacy", legacy_variant="twibooru")
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http:
        bad = await http.get("/search.json", params={"q": "created_at:garbage"})
        good = await http.get("/search.json", params={"q": "created_at:2012"})
        relative = await http.get("/search.json", params={"q": "created_at.gte:3 years ago"})
        trailing = await http.get("/search.json", params={"q": "created_at:2012-01-01T00:00:00x"})
    async with httpx.AsyncClient(transport=twibooru.transport(),
                                 base_url=twibooru.base_url) as http:
        lenient = await http.get("/search.json", params={"q": "created_at:garbage"})
    # SearchTerm#normalize_val raises SearchParsingError; SearchController#index answers
    # ``render json: {}, status: :bad_request``.
    assert (bad.status_code, bad.json()) == (400, {})
    assert good.status_code == relative.status_code == 200
    # The sixth piece ends the parse; what follows is ignored.
    assert trailing.status_code == 200
    # Twibooru's fancy_searchable (NillableDateTime.parse) reads "garbage" as year 0.
    assert lenient.status_code == 200 and lenient.json()["total"] == 0


# --- lists: ListsController#index + TimePeriod ---------------------------------------------


async def test_lists_three_images_each_over_the_period(board: Board) -> None:
    newest = max(board.images.values(), key=lambda i: i.first_seen_at)
    clock = FakeClock((newest.first_seen_at + timedelta(hours=1)).timestamp())
    fake = FakeBooru(board, flavour="legacy", clock=clock)
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http:
        short = (await http.get("/lists.json?last=6h")).json()
        long = (await http.get("/lists.json?last=520w")).json()
        default = (await http.get("/lists.json")).json()
        junk = (await http.get("/lists.json?last=soon")).json()
    assert set(short) == {"top_scoring", "top_commented", "all_time_top_scoring",
                          "interactions"}
    for body in (short, long, default):
        assert all(len(body[k]) <= 3 for k in ("top_scoring", "top_commented",
                                               "all_time_top_scoring"))
    assert len(long["top_scoring"]) == 3
    since = newest.first_seen_at - timedelta(hours=5)
    recent = {i.id for i in board.images.values() if i.first_seen_at >= since}
    assert set(ids(short, "top_scoring")) <= recent
    assert junk == default  # no ``<n>[hdw]``: 3 days
    assert ids(long, "all_time_top_scoring") == ids(short, "all_time_top_scoring")


# --- watched feeds: Images::WatchedsController#show ----------------------------------------


async def test_watched_needs_a_user(board: Board) -> None:
    user = next(iter(board.users.values()))
    user.watched_tag_ids = [board.tags[t].id for t in list(board.tags)[:3]]
    fake = FakeBooru(board, flavour="legacy")
    twibooru = FakeBooru(board, flavour="twibooru")
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http:
        anonymous = await http.get("/images/watched.json")
        keyed = await http.get("/images/watched.json", params={"key": user.api_key})
    async with httpx.AsyncClient(transport=twibooru.transport(),
                                 base_url=twibooru.base_url) as http:
        posts = await http.get("/posts/watched.json", params={"key": user.api_key})
    # UserFilter#require_user, JSON branch
    assert anonymous.status_code == 403
    assert anonymous.json() == {"message": "Sorry, you need to sign in to view this page."}
    assert keyed.status_code == 200 and set(keyed.json()) == {"images", "interactions"}
    assert ids(keyed.json())
    assert posts.status_code == 200 and ids(posts.json()) == ids(keyed.json())


# --- deleted on /search.json: SearchController#index "JSON API kludge" ----------------------


async def test_search_json_deleted_includes_hidden_stubs(board: Board) -> None:
    fake = FakeBooru(board, flavour="legacy")
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http:
        plain = (await http.get("/search.json?q=id.lte:400&perpage=50")).json()
        deleted = (await http.get("/search.json?q=id.lte:400&perpage=50&deleted")).json()
    # ``@include_deleted = params.key?(:deleted)``: the key alone is enough
    assert deleted["total"] > plain["total"]
    stubs = [i for i in deleted["search"] if "sha512_hash" not in i]
    assert stubs and all("deletion_reason" in s or "duplicate_of" in s for s in stubs)


# --- rate-limit headers and budgets ---------------------------------------------------------


async def test_twibooru_always_sends_rate_limit_headers(board: Board) -> None:
    fake = FakeBooru(board, flavour="twibooru")  # no budgets configured
    assert fake.behaviour.rate_budgets == ()
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http:
        answers = [
            await http.get("/api/v3/search/posts?q=safe"),
            await http.get("/api/v3/posts/1"),
            await http.get("/api/v3/galleries/1"),
            await http.get("/search.json?q=safe"),
            await http.get("/images/1.json"),
        ]
    for resp in answers:
        assert {"x-rl", "x-rl-remaining", "x-rl-reset"} <= set(resp.headers), resp.url
    # The documented figures: search/posts 10 per minute, posts/:id 60 per minute.
    assert (answers[0].headers["x-rl"], answers[0].headers["x-rl-remaining"]) == ("10", "9")
    assert answers[1].headers["x-rl"] == "60"


@pytest.mark.parametrize("flavour", ["philomena", "twibooru", "legacy"])
async def test_served_budgets_name_the_flavours_route_groups(board: Board, flavour: str) -> None:
    fake = FakeBooru(board, flavour=flavour)
    groups = set(fake.route_groups())
    budgets = served_budgets(flavour)
    assert budgets
    for budget in budgets:
        assert "*" in budget.groups or set(budget.groups) & groups, budget


async def test_serve_rate_limits_limit_legacy_routes(board: Board) -> None:
    fake = FakeBooru(board, flavour="legacy", rate_budgets=served_budgets("legacy"),
                     clock=FakeClock(1_730_000_000.0))
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http:
        codes = [(await http.get("/search.json?q=safe")).status_code for _ in range(11)]
    assert codes == [200] * 10 + [429]


# --- Cache-Control: production Philomena behind its proxy ----------------------------------


async def test_philomena_default_cache_control_is_the_proxys(board: Board) -> None:
    fake = FakeBooru(board)
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http:
        resp = await http.get("/api/v1/json/images/1")
    # docker/production/web/Caddyfile: ``header_down Cache-Control 'no-store, no-cache'``
    assert resp.headers["cache-control"] == "no-store, no-cache"

