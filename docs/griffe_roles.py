"""A griffe extension for the docs build: Sphinx roles in docstrings become code spans.

Our docstrings are read in editors and by ``help()`` as well, where ``:class:`Pager``` is
the familiar spelling; mkdocstrings renders Markdown, where the role would show literally.
``:class:`~booru_async.Site``` becomes ```Site```, ``:meth:`Board.from_fixtures``` becomes
```Board.from_fixtures```.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:class|func|meth|data|attr|mod|exc|obj):`~?([^`]+)`")


def _short(match: re.Match[str]) -> str:
    target = match[1]
    return f"`{target.rsplit('.', 1)[-1]}`" if match[0].count("~") else f"`{target}`"


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx cross-reference roles to Markdown code spans."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = ROLE.sub(_short, obj.docstring.value)
