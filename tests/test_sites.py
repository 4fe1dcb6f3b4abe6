"""Site profiles: frozen data, documented budgets, custom sites."""

from __future__ import annotations

import attrs
import pytest

import booru_async as ba
from booru_async._sites import get_site

BUILT_IN = {
    "derpibooru", "furbooru", "twibooru", "twibooru-legacy", "ponybooru", "manebooru",
    "ponerpics", "tantabus",
}


def test_built_in_profiles() -> None:
    assert set(ba.SITES) >= BUILT_IN
    for name, site in ba.SITES.items():
        assert site.name == name
        assert site.base_url.startswith("https://")
        assert site.flavour in ("philomena", "twibooru", "legacy")
        assert site.cdn_hosts
        assert site.budget_source


@pytest.mark.parametrize("name", ["derpibooru", "furbooru"])
def test_proxy_budgets_are_the_documented_ones(name: str) -> None:
    site = ba.SITES[name]
    assert site.flavour == "philomena"
    assert dict(site.budgets) == {"site": (30, 5.0), "search": (20, 10.0)}
    assert site.budget_source.startswith("documented")


def test_twibooru_budgets_per_minute() -> None:
    site = ba.SITES["twibooru"]
    assert (site.flavour, site.host, site.cdn_hosts) == ("twibooru", "twibooru.org",
                                                          ("cdn.twibooru.org",))
    assert dict(site.budgets) == {
        "search": (10, 60.0), "search_tags": (60, 60.0), "image": (60, 60.0),
        "comments": (60, 60.0),
    }
    assert ba.SITES["twibooru-legacy"].flavour == "legacy"


def test_profiles_are_frozen_and_hashable() -> None:
    site = ba.SITES["derpibooru"]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        site.name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        ba.SITES["x"] = site  # type: ignore[index]
    assert hash(site) == hash(attrs.evolve(site))
    assert {site: 1}[attrs.evolve(site)] == 1


def test_custom_site_from_the_contract() -> None:
    site = ba.Site(
        name="mybooru",
        base_url="https://mybooru.example/",
        flavour="philomena",
        budgets={"site": (30, 5.0), "search": (20, 10)},
        cdn_hosts=("cdn.mybooru.example",),
    )
    assert site.base_url == "https://mybooru.example"
    assert site.host == "mybooru.example"
    assert site.budgets["search"] == (20, 10.0)
    assert site.budgets == {"site": (30, 5.0), "search": (20, 10.0)}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"base_url": "ftp://x.example"},
        {"base_url": "mybooru.example"},
        {"base_url": "https://x.example/?q=1"},
        {"flavour": "moebooru"},
        {"budgets": {"site": (0, 5.0)}},
        {"budgets": {"site": (10, 0)}},
        {"budgets": {"site": (10,)}},
        {"budgets": {"": (1, 1.0)}},
    ],
)
def test_bad_custom_sites_are_refused(kwargs: dict[str, object]) -> None:
    base = {"name": "x", "base_url": "https://x.example", "flavour": "philomena"}
    with pytest.raises(ValueError):
        ba.Site(**{**base, **kwargs})  # type: ignore[arg-type]


def test_get_site_moves_base_url() -> None:
    moved = get_site("twibooru", "http://127.0.0.1:8123")
    assert moved.base_url == "http://127.0.0.1:8123"
    assert moved.budgets == ba.SITES["twibooru"].budgets
    with pytest.raises(ValueError, match="unknown site 'nope'"):
        get_site("nope")
