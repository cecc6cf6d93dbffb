"""The plan of a publish: what changes, worked out before anything does.

A plan compares the site's files with the manifest by content (sha256, or
the MD5 of a listing's ETag), never by modification time, and sorts the
uploads into batches (see `hindsight.publish_files.upload_phase`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from hindsight.publish_files import SiteFile, upload_phase
from hindsight.publish_sns import IncidentNotice, due_notices
from hindsight.publish_state import Manifest, PublishError


@dataclass
class PublishResult:
    """What a publish changed (or, in a dry run, would change)."""

    uploaded: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    notified: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "uploaded": list(self.uploaded),
            "deleted": list(self.deleted),
            "unchanged": self.unchanged,
            "notified": list(self.notified),
        }


@dataclass
class Plan:
    """The changes a publish makes, worked out before it makes any."""

    batches: list[list[str]]
    deletes: list[str]
    unchanged: int
    overall: bool  # no announcement yet: one overall notice
    notices: list[IncidentNotice]

    @property
    def uploads(self) -> list[str]:
        return [rel for batch in self.batches for rel in batch]


def make_plan(
    files: dict[str, SiteFile], manifest: Manifest, incidents: Sequence[IncidentNotice]
) -> Plan:
    """Compare the site with the manifest: by content, never by time."""
    changed = [
        rel
        for rel, local in files.items()
        if not (rel in manifest.files and manifest.files[rel].matches(local))
    ]
    phases: dict[int, list[str]] = {}
    for rel in changed:
        phases.setdefault(upload_phase(rel, rel not in manifest.files), []).append(rel)
    batches = [phases[phase] for phase in sorted(phases)]
    deletes = sorted((set(manifest.files) | manifest.uploading) - set(files))
    overall = manifest.incidents is None
    notices = list(incidents) if overall else due_notices(incidents, manifest.incidents)
    return Plan(batches, deletes, len(files) - len(changed), overall, notices)


def check_guards(
    files: dict[str, SiteFile], plan: Plan, manifest: Manifest, force: bool
) -> None:
    """Refuse a publish that looks like a mistake, unless forced."""
    if force:
        return
    if "index.html" not in files:
        raise PublishError(
            "refusing to publish a site without index.html "
            "(was it built?); use force to publish it anyway"
        )
    published = len(manifest.files)
    removing = sum(1 for rel in plan.deletes if rel in manifest.files)
    if published and removing * 2 > published:
        raise PublishError(
            f"refusing to delete {removing} of the {published} published files; "
            "use force if the site really shrank that much"
        )
