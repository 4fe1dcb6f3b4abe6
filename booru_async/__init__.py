"""booru-async: an asyncio (and trio) client SDK for Philomena-family image boards.

import booru_async as ba

async with ba.Client("derpibooru") as client:
    image = await client.images.get(1)
    async for image in client.images.search("safe, fluttershy", limit=100):
        ...
"""

from . import query
from ._cache import CachePolicy, MemoryCache, SQLiteCache
from ._client import Client, Priority
from ._errors import (
    BadQuery,
    Blocked,
    BooruError,
    DecodeError,
    Forbidden,
    HTTPStatusError,
    IntegrityError,
    NotFound,
    RateLimited,
    RequestInfo,
    ServerError,
    TransportError,
    Unauthorized,
    UnsupportedOperation,
    UploadRejected,
)
from ._models import (
    DARK_RATING_TAGS,
    RATING_TAGS,
    RATINGS,
    Award,
    Comment,
    Credit,
    DnpEntry,
    Filter,
    Forum,
    ForumPost,
    Gallery,
    Image,
    Intensities,
    Interaction,
    Link,
    Location,
    Oembed,
    Page,
    Rating,
    RatingTag,
    Representations,
    Tag,
    Topic,
    User,
)
from ._pager import Pager
from ._retry import RetryPolicy
from ._scheduler import LocalScheduler
from ._sites import SITES, Budgets, Flavour, Site
from ._stats import Stats
from ._version import __version__

__all__ = [
    "DARK_RATING_TAGS",
    "RATINGS",
    "RATING_TAGS",
    "SITES",
    "Stats",
    "LocalScheduler",
    "RetryPolicy",
    "SQLiteCache",
    "MemoryCache",
    "CachePolicy",
    "Award",
    "BadQuery",
    "Blocked",
    "BooruError",
    "Budgets",
    "Client",
    "Comment",
    "Credit",
    "DecodeError",
    "DnpEntry",
    "Filter",
    "Flavour",
    "Forbidden",
    "Forum",
    "ForumPost",
    "Gallery",
    "HTTPStatusError",
    "Image",
    "IntegrityError",
    "Intensities",
    "Interaction",
    "Link",
    "Location",
    "NotFound",
    "Oembed",
    "Page",
    "Pager",
    "Priority",
    "RateLimited",
    "Rating",
    "RatingTag",
    "RequestInfo",
    "Representations",
    "ServerError",
    "Site",
    "Tag",
    "Topic",
    "TransportError",
    "Unauthorized",
    "UnsupportedOperation",
    "UploadRejected",
    "User",
    "__version__",
    "query",
]
