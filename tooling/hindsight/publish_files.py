"""The local side of a publish: the site's files and how each is served.

A *site file* is one file of the built site, named by its path relative to
the site folder (``incidents/INC-2024-001/index.html``). Its object key in
the bucket is the publish prefix followed by that path. The headers each
file is served with come from the explicit tables below, never from the
host's ``/etc/mime.types``, so two machines publish the same site the same
way.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

# The folder, inside the prefix, where publish keeps its own state (the
# manifest, the lock and the pending notice records). Site files of that
# name are never uploaded, and objects under it are never treated as pages.
STATE_DIR = ".hindsight/"

CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject",
    ".pdf": "application/pdf",
    ".zip": "application/zip",
    ".wasm": "application/wasm",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
}
DEFAULT_CONTENT_TYPE = "application/octet-stream"
GZIP_CONTENT_TYPE = "application/gzip"

# Pages and the files that list pages change with every build: a short
# lifetime lets readers see a new review within a minute.
CACHE_SHORT = "public, max-age=60"
# A name that carries a hash of the content never changes its content.
CACHE_IMMUTABLE = "public, max-age=31536000, immutable"
CACHE_MEDIUM = "public, max-age=3600"

_HTML_SUFFIXES = (".html", ".htm")
_SHORT_NAMES = re.compile(
    r"^(sitemap[\w.-]*\.xml(\.gz)?|search_index\.json|robots\.txt"
    r"|[\w.-]*\.(rss|atom))$"
)
# `main.6f8e3a1b.min.js`, `chunk-5d41402abc.js`: eight or more hex digits,
# with at least one digit and one letter so dates and words do not count.
_HASHED_NAME = re.compile(
    r"[.-](?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\.", re.IGNORECASE
)
_PAGE_INDEXES = re.compile(r"^(sitemap[\w.-]*\.xml(\.gz)?|search_index\.json)$")


@dataclass(frozen=True)
class SiteFile:
    """One file of the built site, with the digests publish compares."""

    rel: str
    path: Path
    size: int
    sha256: str
    md5: bytes

    @property
    def md5_hex(self) -> str:
        return self.md5.hex()

    @property
    def md5_base64(self) -> str:
        return base64.b64encode(self.md5).decode("ascii")


@dataclass(frozen=True)
class ServedAs:
    """The HTTP headers an object is stored with."""

    content_type: str
    cache_control: str
    content_encoding: str | None = None


def normalise_prefix(prefix: str) -> str:
    """Return `prefix` without a leading slash and with one trailing slash.

    Empty segments are dropped; `.` and `..` segments are refused because a
    key containing them means different things to different S3 servers.
    """
    parts = [part for part in prefix.replace("\\", "/").split("/") if part]
    if any(part in (".", "..") for part in parts):
        raise ValueError(f"prefix {prefix!r} may not contain '.' or '..' parts")
    return "/".join(parts) + "/" if parts else ""


def served_as(rel: str) -> ServedAs:
    """The Content-Type, Cache-Control and Content-Encoding for `rel`."""
    name = PurePosixPath(rel).name.lower()
    encoding = None
    type_name = name
    if name.endswith(".gz"):
        inner = name[: -len(".gz")]
        if PurePosixPath(inner).suffix in CONTENT_TYPES:
            encoding, type_name = "gzip", inner
    suffix = PurePosixPath(type_name).suffix
    if suffix == ".gz":
        content_type = GZIP_CONTENT_TYPE
    else:
        content_type = CONTENT_TYPES.get(suffix, DEFAULT_CONTENT_TYPE)
    return ServedAs(content_type, cache_control_for(name), encoding)


def cache_control_for(name: str) -> str:
    """Short for pages and page lists, immutable for hashed names."""
    name = name.lower()
    if name.endswith(_HTML_SUFFIXES) or _SHORT_NAMES.match(name):
        return CACHE_SHORT
    if _HASHED_NAME.search(name):
        return CACHE_IMMUTABLE
    return CACHE_MEDIUM


def is_html(rel: str) -> bool:
    return rel.lower().endswith(_HTML_SUFFIXES)


def upload_phase(rel: str, is_new: bool) -> int:
    """The batch a file is uploaded in; lower batches go up first.

    Assets (0) come before the pages that use them; new pages (1) before
    the changed pages that may link to them (2); the sitemap and the
    search index (3), which list pages, come last.
    """
    if _PAGE_INDEXES.match(PurePosixPath(rel).name.lower()):
        return 3
    if is_html(rel):
        return 1 if is_new else 2
    return 0


def scan_site(site_dir: Path) -> tuple[dict[str, SiteFile], list[str]]:
    """Hash every file under `site_dir`.

    Returns the site files by relative path and the paths skipped because
    they lie inside the state folder.
    """
    files: dict[str, SiteFile] = {}
    skipped: list[str] = []
    for path in sorted(site_dir.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(site_dir).as_posix()
        if rel.startswith(STATE_DIR):
            skipped.append(rel)
            continue
        files[rel] = _hash_file(rel, path)
    return files, skipped


def _hash_file(rel: str, path: Path) -> SiteFile:
    sha256 = hashlib.sha256()
    md5 = hashlib.md5(usedforsecurity=False)
    size = 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            sha256.update(chunk)
            md5.update(chunk)
            size += len(chunk)
    return SiteFile(rel, path, size, sha256.hexdigest(), md5.digest())
