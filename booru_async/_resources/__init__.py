"""Resource namespaces: ``client.images``, ``client.tags``, ..."""

from ._images import Images
from ._tags import Tags

__all__ = ["Images", "Tags"]
