"""dedup: find near-duplicate passages in folders of news articles."""

from importlib.metadata import PackageNotFoundError, version

from .models import Cluster, FileError, Member, Report, Settings
from .pipeline import find_clusters
from .sources import InputNotFound

try:
    __version__ = version("newsdedup")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["Cluster", "FileError", "InputNotFound", "Member", "Report", "Settings", "__version__", "find_clusters"]
