"""Each API flavour's knowledge, one module per flavour (see :mod:`._spec`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ._legacy import LEGACY
from ._philomena import PHILOMENA
from ._spec import FLAVOURS, Flavour, FlavourSpec, ImageSort, Route
from ._twibooru import TWIBOORU

__all__ = ["FLAVOURS", "SPECS", "Flavour", "FlavourSpec", "ImageSort", "Route", "spec_for"]

SPECS: Final[Mapping[Flavour, FlavourSpec]] = {
    spec.name: spec for spec in (PHILOMENA, TWIBOORU, LEGACY)
}


def spec_for(flavour: Flavour) -> FlavourSpec:
    """The spec of a flavour."""
    return SPECS[flavour]
