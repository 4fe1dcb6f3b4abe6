"""Resource namespaces: ``client.images``, ``client.tags``, ..."""

from .._flavours import ImageSort
from ._images import Images
from ._others import Comments, Filters, Forums, Galleries, Posts, Profiles
from ._tags import Tags

__all__ = [
    "Comments",
    "Filters",
    "Forums",
    "Galleries",
    "ImageSort",
    "Images",
    "Posts",
    "Profiles",
    "Tags",
]
