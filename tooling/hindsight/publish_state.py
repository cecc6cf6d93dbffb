"""What the bucket holds: its objects and the manifest that describes them.

The *manifest* is a JSON object at ``<prefix>.hindsight/manifest.json``. It
records the sha256 of every site file that is known to be in the bucket,
the keys a run started to upload but did not confirm, and, for every
incident, the digest that was published and whether its notice went out:

    {"format": 1, "tool": "hindsight 0.1.0", "run_id": "...",
     "written_at": "2024-01-15T14:30:00Z",
     "files": {"index.html": {"sha256": "..."}, ...},
     "uploading": ["incidents/INC-2024-003/index.html"],
     "incidents": {"INC-2024-001": {"digest": "...", "notice": "sent",
                                    "page_path": "incidents/INC-2024-001/"}}}

``incidents`` is ``null`` until a run has announced the site once; the
first announcement is a single overall notice. ``notice`` is ``sent``,
``unsent`` (owed, retried by the next run) or ``skipped`` (published while
no topic was configured, so nothing is owed). A ``files`` entry holds an
``md5`` instead of a ``sha256`` when it was learnt from a bucket listing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from hindsight import __version__
from hindsight.publish_files import STATE_DIR, SiteFile, served_as

MANIFEST_FORMAT = 1
NOTICE_STATES = ("sent", "unsent", "skipped")
_STATE_CACHE = "no-store"


class PublishError(Exception):
    """A publish that could not be done, or was refused; the message is one
    line that says what to fix."""

    def __init__(self, message: str, result: Any = None) -> None:
        super().__init__(" ".join(message.split()))
        # The PublishResult of the work done before the failure, if any.
        self.result = result


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def describe(exc: BaseException, bucket: str) -> str:
    """A one-line account of an S3 failure, naming the likely fix."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = error.get("Code", "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code == "NoSuchBucket":
            return f"bucket {bucket!r} does not exist"
        if status == 403 or code in ("AccessDenied", "InvalidAccessKeyId"):
            return f"access to bucket {bucket!r} denied ({code or status})"
        message = error.get("Message", "")
        return f"{code or status}: {message}".strip().rstrip(":")
    if isinstance(exc, NoCredentialsError):
        return "no AWS credentials found (set AWS_PROFILE or AWS_ACCESS_KEY_ID)"
    if isinstance(exc, BotoCoreError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def is_missing_key(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404")


@dataclass
class RemoteFile:
    """What is known about one site file's object in the bucket."""

    sha256: str | None = None
    md5: str | None = None

    def matches(self, local: SiteFile) -> bool:
        if self.sha256:
            return self.sha256 == local.sha256
        return bool(self.md5) and self.md5 == local.md5_hex

    def to_json(self) -> dict[str, str]:
        return {"sha256": self.sha256} if self.sha256 else {"md5": self.md5 or ""}


@dataclass
class IncidentRecord:
    digest: str
    page_path: str
    notice: str

    def to_json(self) -> dict[str, str]:
        return {
            "digest": self.digest,
            "page_path": self.page_path,
            "notice": self.notice,
        }


@dataclass
class Manifest:
    """The published state of one prefix; see the module docstring."""

    files: dict[str, RemoteFile] = field(default_factory=dict)
    uploading: set[str] = field(default_factory=set)
    incidents: dict[str, IncidentRecord] | None = None
    found: bool = False

    @classmethod
    def from_json(cls, data: Any) -> Manifest:
        """Read a manifest; ValueError when it is not one this code wrote."""
        if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
            raise ValueError("not a format-1 manifest")
        files = {
            rel: RemoteFile(entry.get("sha256"), entry.get("md5"))
            for rel, entry in _mapping(data, "files").items()
        }
        incidents = None
        if data.get("incidents") is not None:
            incidents = {
                key: _incident_record(entry)
                for key, entry in _mapping(data, "incidents").items()
            }
        uploading = data.get("uploading", [])
        if not all(isinstance(rel, str) for rel in uploading):
            raise ValueError("uploading is not a list of paths")
        return cls(files, set(uploading), incidents, found=True)

    def content(self) -> dict[str, Any]:
        """The recorded state, without the fields that name the writer."""
        incidents = None
        if self.incidents is not None:
            incidents = {
                key: record.to_json() for key, record in sorted(self.incidents.items())
            }
        return {
            "files": {rel: self.files[rel].to_json() for rel in sorted(self.files)},
            "uploading": sorted(self.uploading - set(self.files)),
            "incidents": incidents,
        }

    def to_json(self, run_id: str) -> dict[str, Any]:
        return {
            "format": MANIFEST_FORMAT,
            "tool": f"hindsight {__version__}",
            "run_id": run_id,
            "written_at": utc_now(),
            **self.content(),
        }


def _mapping(data: dict, key: str) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict) or not all(
        isinstance(entry, dict) for entry in value.values()
    ):
        raise ValueError(f"{key} is not a mapping of mappings")
    return value


def _incident_record(entry: dict) -> IncidentRecord:
    notice = entry.get("notice")
    if notice not in NOTICE_STATES or not isinstance(entry.get("digest"), str):
        raise ValueError("incident entry without digest or notice state")
    return IncidentRecord(entry["digest"], str(entry.get("page_path", "")), notice)


class BucketStore:
    """The S3 calls publish makes, all confined to one bucket and prefix."""

    def __init__(self, s3: Any, bucket: str, prefix: str) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.prefix = prefix

    def key(self, rel: str) -> str:
        return self.prefix + rel

    def state_key(self, name: str) -> str:
        return self.prefix + STATE_DIR + name

    def get_json(self, key: str) -> tuple[Any, dict] | None:
        """The parsed object and its response, or None when there is none.

        An object that is not JSON comes back as the raw bytes.
        """
        try:
            response = self.s3.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if is_missing_key(exc):
                return None
            raise
        body = response["Body"].read()
        try:
            return json.loads(body), response
        except ValueError:
            return body, response

    def put_json(self, key: str, data: Any, **conditions: str) -> str:
        """Write a state object; returns its ETag."""
        body = json.dumps(data, indent=1, sort_keys=True).encode("utf-8")
        response = self.s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType="application/json",
            CacheControl=_STATE_CACHE,
            **conditions,
        )
        return response.get("ETag", "")

    def delete(self, key: str) -> None:
        self._check_inside(key)
        self.s3.delete_object(Bucket=self.bucket, Key=key)

    def list(self, prefix: str) -> Iterator[dict]:
        """Every object under `prefix` (which lies inside the publish prefix)."""
        self._check_inside(prefix)
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        for page in pages:
            yield from page.get("Contents", [])

    def put_file(self, local: SiteFile) -> None:
        """Upload one site file with its headers and its sha256 as metadata."""
        served = served_as(local.rel)
        extra = {"ContentEncoding": served.content_encoding}
        self.s3.put_object(
            Bucket=self.bucket,
            Key=self.key(local.rel),
            Body=local.path.read_bytes(),
            ContentMD5=local.md5_base64,
            ContentType=served.content_type,
            CacheControl=served.cache_control,
            Metadata={"sha256": local.sha256},
            **{name: value for name, value in extra.items() if value},
        )

    def delete_files(self, rels: list[str]) -> tuple[list[str], dict[str, str]]:
        """Delete site files; returns those deleted and the errors of the rest."""
        deleted: list[str] = []
        failed: dict[str, str] = {}
        for start in range(0, len(rels), 1000):
            batch = rels[start : start + 1000]
            keys = [self.key(rel) for rel in batch]
            for key in keys:
                self._check_inside(key)
            try:
                response = self.s3.delete_objects(
                    Bucket=self.bucket,
                    Delete={"Objects": [{"Key": key} for key in keys]},
                )
            except (ClientError, BotoCoreError) as exc:
                failed.update({rel: describe(exc, self.bucket) for rel in batch})
                continue
            errors = {
                err["Key"]: err.get("Code", "error")
                for err in response.get("Errors", [])
            }
            for rel, key in zip(batch, keys, strict=True):
                if key in errors:
                    failed[rel] = errors[key]
                else:
                    deleted.append(rel)
        return deleted, failed

    def head_sha256(self, key: str) -> str | None:
        response = self.s3.head_object(Bucket=self.bucket, Key=key)
        metadata = {k.lower(): v for k, v in response.get("Metadata", {}).items()}
        return metadata.get("sha256")

    def _check_inside(self, key: str) -> None:
        # The one guard every deleting and listing call passes: nothing
        # outside the prefix is ever touched.
        if not key.startswith(self.prefix):
            raise PublishError(f"refusing to touch {key!r} outside {self.prefix!r}")


def read_manifest(store: BucketStore, say: Callable[[str], None]) -> Manifest:
    """The manifest, or one rebuilt from a listing when there is none."""
    found = store.get_json(store.state_key("manifest.json"))
    if found is not None:
        try:
            return Manifest.from_json(found[0])
        except ValueError as exc:
            say(f"warning: the manifest cannot be read ({exc}); listing the bucket")
    return manifest_from_listing(store)


def manifest_from_listing(store: BucketStore) -> Manifest:
    """Rebuild the file list from the bucket's ETags (plain MD5 ETags match
    without a further request; other ETags are settled by the sha256 that
    publish stores in each object's metadata).

    Subfolders holding their own state folder are other sites published
    under a longer prefix, and are left out, so they are never deleted.
    """
    objects = {}
    for item in store.list(store.prefix):
        objects[item["Key"][len(store.prefix) :]] = item.get("ETag", "")
    nested = {
        rel[: rel.index("/" + STATE_DIR) + 1]
        for rel in objects
        if "/" + STATE_DIR in rel
    }
    files = {}
    for rel, etag in objects.items():
        if rel.startswith(STATE_DIR) or any(rel.startswith(n) for n in nested):
            continue
        etag = etag.strip('"').lower()
        if len(etag) == 32 and all(c in "0123456789abcdef" for c in etag):
            files[rel] = RemoteFile(md5=etag)
        else:
            files[rel] = RemoteFile(sha256=store.head_sha256(store.key(rel)))
    return Manifest(files=files)
