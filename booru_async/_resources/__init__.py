"""Resource namespaces: ``client.images``, ``client.tags``, ..."""

from ._images import Images, ImageSort
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
