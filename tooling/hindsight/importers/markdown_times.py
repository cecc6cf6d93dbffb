"""The times of a Markdown postmortem, from its timeline and its Stats.

The start is the entry marked as the start, else the detection or recovery
entry less the stated time to detection or recovery, else the entry from
which those stated times reach other entries, else the earliest entry. The
detection and the end come from markers or the stated times, else the end
is the latest entry. Each choice is recorded as a guess of the draft.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from . import Draft
from .mdfields import Stats
from .mdtimeline import Entry, Timeline


def incident_times(
    timeline: Timeline, stats: Stats, day: date | None, draft: Draft
) -> dict[str, datetime] | None:
    precise = [e for e in timeline.entries if not e.date_only]
    timed = precise if len({e.at for e in precise}) >= 2 else timeline.entries
    if not timed:
        if day is None:
            return None
        at = datetime.combine(day, time(0, 0), tzinfo=UTC)
        for name in ("start_time", "end_time"):
            draft.guess(
                name,
                "no timeline entry has a usable time; the "
                "postmortem's date at 00:00 UTC stands in",
            )
        return {"start_time": at, "end_time": at}
    marks: dict[str, Entry] = {}
    for entry in timed:
        if entry.marker:
            marks.setdefault(entry.marker, entry)
    start = _start(timed, marks, stats, draft)
    times = {"start_time": start}
    detected = _detected(start, marks, stats, draft)
    end = _end(start, timed, marks, stats, draft)
    if detected is not None:
        if detected > end:
            draft.guess(
                "end_time",
                "the detection is after the last entry; the "
                "end is set to the detection",
            )
            end = detected
        times["detected_time"] = detected
    mitigated = marks["mitigated"].at if "mitigated" in marks else None
    if mitigated is not None and (detected or start) <= mitigated <= end:
        times["mitigated_time"] = mitigated
    times["end_time"] = end
    return times


def _start(
    timed: list[Entry], marks: dict[str, Entry], stats: Stats, draft: Draft
) -> datetime:
    if "start" in marks:
        return marks["start"].at
    if "detected" in marks and stats.to_detect is not None:
        draft.guess(
            "start_time", "the detection entry minus the stated time to detection"
        )
        return marks["detected"].at - stats.to_detect
    if "end" in marks and stats.to_recover is not None:
        draft.guess(
            "start_time", "the recovery entry minus the stated time to recovery"
        )
        return marks["end"].at - stats.to_recover
    matched = _matching_start(timed, stats)
    if matched is not None:
        draft.guess(
            "start_time",
            "the timeline entry from which the stated time "
            "to detection or recovery reaches another entry",
        )
        return matched
    first = min(timed, key=lambda entry: entry.at)
    draft.guess(
        "start_time",
        "the earliest timeline entry"
        + (" (written without a time of day)" if first.date_only else ""),
    )
    return first.at


def _matching_start(timed: list[Entry], stats: Stats) -> datetime | None:
    spans = [s for s in (stats.to_detect, stats.to_recover) if s]
    best, best_score = None, 0
    moments = sorted(entry.at for entry in timed)
    for candidate in moments:
        score = sum(
            any(
                abs((other - candidate) - span) <= timedelta(minutes=1)
                for other in moments
            )
            for span in spans
        )
        if score > best_score:
            best, best_score = candidate, score
    return best


def _detected(start, marks, stats: Stats, draft: Draft) -> datetime | None:
    if "detected" in marks and marks["detected"].at >= start:
        return marks["detected"].at
    if stats.to_detect is not None:
        draft.guess("detected_time", "the start plus the stated time to detection")
        return start + stats.to_detect
    return None


def _end(start, timed, marks, stats: Stats, draft: Draft) -> datetime:
    if "end" in marks and marks["end"].at >= start:
        return marks["end"].at
    if stats.to_recover is not None:
        draft.guess("end_time", "the start plus the stated time to recovery")
        return start + stats.to_recover
    last = max(timed, key=lambda entry: entry.at)
    draft.guess(
        "end_time",
        "the latest timeline entry"
        + (", written without a time of day" if last.date_only else "")
        + " (the source states no resolution)",
    )
    return max(last.at, start)
