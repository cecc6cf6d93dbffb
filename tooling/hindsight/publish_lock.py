"""The publish lock: one run at a time per bucket prefix.

The lock is the object ``<prefix>.hindsight/lock.json``:

    {"owner": "<run id>", "host": "ci-runner-7", "pid": 4242,
     "acquired_at": "2024-01-15T14:30:00Z", "tool": "hindsight 0.1.0"}

It is created with ``If-None-Match: *``, so of two runs that start at once
only one gets it. A lock older than the stale age (a run that died) is
taken over with ``If-Match`` on the ETag that was read, so of two runs
taking over only one succeeds. The lock is removed at the end of the run,
also when the run fails.

Some S3 servers ignore conditional writes (``rclone serve s3`` does). The
lock is therefore read before it is written: on those servers a held lock
still stops a second run, and only two runs that start within the same
moment can both proceed.

The lock is not refreshed during a run, so a run that takes longer than
the stale age can lose it to the next one; this can go once the lock is
rewritten between upload batches.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from botocore.exceptions import BotoCoreError, ClientError

from hindsight import __version__
from hindsight.publish_state import BucketStore, PublishError, describe, utc_now

DEFAULT_STALE_AFTER = 15 * 60.0


@dataclass(frozen=True)
class Lock:
    key: str
    owner: str


def acquire_lock(
    store: BucketStore,
    owner: str,
    stale_after: float = DEFAULT_STALE_AFTER,
    say: Callable[[str], None] = lambda _: None,
) -> Lock:
    """Take the lock for `owner` or raise PublishError naming the holder."""
    key = store.state_key("lock.json")
    body = {
        "owner": owner,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "acquired_at": utc_now(),
        "tool": f"hindsight {__version__}",
    }
    try:
        current = store.get_json(key)
        if current is None:
            _put(store, key, body, IfNoneMatch="*")
        else:
            holder, response = current
            age = _age_seconds(holder, response)
            if age < stale_after:
                raise PublishError(_held_message(store, holder, age))
            say(f"taking over a stale lock ({_holder(holder)}, {age:.0f}s old)")
            _put(store, key, body, IfMatch=response["ETag"])
    except (ClientError, BotoCoreError) as exc:
        raise PublishError(
            f"cannot take the publish lock: {describe(exc, store.bucket)}"
        ) from exc
    return Lock(key, owner)


def release_lock(
    store: BucketStore, lock: Lock, say: Callable[[str], None] = lambda _: None
) -> None:
    """Remove the lock if this run still holds it; never raises."""
    try:
        current = store.get_json(lock.key)
        if current is None:
            return
        holder = current[0]
        if isinstance(holder, dict) and holder.get("owner") == lock.owner:
            store.delete(lock.key)
        else:
            say(f"warning: the lock was taken over by {_holder(holder)}")
    except Exception as exc:  # a failed release must not hide the run's result
        say(f"warning: could not release the publish lock: {exc}")


def _put(store: BucketStore, key: str, body: dict, **condition: str) -> None:
    try:
        store.put_json(key, body, **condition)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if code in ("PreconditionFailed", "ConditionalRequestConflict"):
            raise PublishError(
                f"another publish to s3://{store.bucket}/{store.prefix} "
                "took the lock first; try again when it has finished"
            ) from exc
        raise


def _age_seconds(holder: object, response: dict) -> float:
    """Seconds since the lock was taken: its own timestamp, else the
    object's Last-Modified (a lock that cannot be read still ages)."""
    taken = None
    if isinstance(holder, dict):
        try:
            taken = datetime.fromisoformat(str(holder.get("acquired_at")))
        except ValueError:
            taken = None
    if taken is None:
        taken = response.get("LastModified") or datetime.now(UTC)
    if taken.tzinfo is None:
        taken = taken.replace(tzinfo=UTC)
    return (datetime.now(UTC) - taken).total_seconds()


def _holder(holder: object) -> str:
    if not isinstance(holder, dict):
        return "an unreadable lock"
    return f"run {holder.get('owner')} on {holder.get('host')}"


def _held_message(store: BucketStore, holder: object, age: float) -> str:
    return (
        f"s3://{store.bucket}/{store.prefix} is locked by {_holder(holder)} "
        f"since {age:.0f}s ago; wait for it to finish (a lock older than the "
        "stale age is taken over)"
    )
