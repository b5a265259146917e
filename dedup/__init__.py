"""dedup: find near-duplicate passages in folders of news articles."""

from .models import Cluster, FileError, Member, Report, Settings
from .pipeline import find_clusters
from .sources import InputNotFound

__version__ = "0.1.0"  # the package's version: pyproject.toml reads it from here

__all__ = ["Cluster", "FileError", "InputNotFound", "Member", "Report", "Settings", "__version__", "find_clusters"]
