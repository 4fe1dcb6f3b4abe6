"""booru-async: an asyncio (and trio) client SDK for Philomena-family image boards.

import booru_async as ba

async with ba.Client("derpibooru") as client:
    image = await client.images.get(1)
    async for image in client.images.search("safe, fluttershy", limit=100):
        ...
"""

from . import query
from ._cache import CachePolicy, MemoryCache, RedisCache, SQLiteCache
from ._client import Client
from ._download import Representation
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
    Rankings,
    Rating,
    RatingTag,
    Representations,
    Tag,
    Topic,
    User,
)
from ._options import Priority
from ._pagination import CrawlPager, Pager
from ._redis_scheduler import RedisScheduler
from ._resources import ImageSort
from ._retry import RetryPolicy
from ._scheduler import LocalScheduler
from ._sites import SITES, Budgets, Flavour, Site
from ._stats import Stats
from ._version import __version__

__all__ = [
    "Award",
    "BadQuery",
    "Blocked",
    "BooruError",
    "Budgets",
    "CachePolicy",
    "Client",
    "Comment",
    "CrawlPager",
    "Credit",
    "DARK_RATING_TAGS",
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
    "ImageSort",
    "IntegrityError",
    "Intensities",
    "Interaction",
    "Link",
    "LocalScheduler",
    "Location",
    "MemoryCache",
    "NotFound",
    "Oembed",
    "Page",
    "Pager",
    "Priority",
    "RATINGS",
    "RATING_TAGS",
    "Rankings",
    "RateLimited",
    "Rating",
    "RatingTag",
    "RedisCache",
    "RedisScheduler",
    "Representation",
    "Representations",
    "RequestInfo",
    "RetryPolicy",
    "SITES",
    "SQLiteCache",
    "ServerError",
    "Site",
    "Stats",
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
