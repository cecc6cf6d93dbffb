"""Findings: every problem of every file, collected first, reported once.

A finding names the file, the line and column a person opens, and the JSON
path a program reads. Reporters turn a list of findings into text, JSON or
GitHub workflow annotations; they are chosen by name from :data:`REPORTERS`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Finding:
    """One problem found in one file."""

    file: str
    line: int
    column: int
    severity: str
    message: str
    path: str = "$"
    rule: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "severity": self.severity,
            "message": self.message,
        }


def json_path(path: Sequence[str | int]) -> str:
    """``("action_items", 0, "owner")`` as ``$.action_items[0].owner``."""
    text = "$"
    for step in path:
        if isinstance(step, int):
            text += f"[{step}]"
        elif step.isidentifier():
            text += f".{step}"
        else:
            text += "[" + json.dumps(step) + "]"
    return text


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)


def report_text(findings: Sequence[Finding], checked: int) -> str:
    lines = []
    for f in findings:
        where = f" [{f.path}]" if f.path and f.path != "$" else ""
        lines.append(f"{f.file}:{f.line}:{f.column}: {f.severity}: {f.message}{where}")
    errors = sum(f.severity == ERROR for f in findings)
    warnings = len(findings) - errors
    noun = "file" if checked == 1 else "files"
    if errors:
        lines.append(f"{errors} error(s), {warnings} warning(s) in {checked} {noun}")
    else:
        lines.append(f"{checked} {noun} valid, {warnings} warning(s)")
    return "\n".join(lines) + "\n"


def report_json(findings: Sequence[Finding], checked: int) -> str:
    return json.dumps([f.to_dict() for f in findings], indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def report_github(findings: Sequence[Finding], checked: int) -> str:
    lines = []
    for f in findings:
        level = "error" if f.severity == ERROR else "warning"
        props = ",".join(
            [
                f"file={_escape_property(f.file)}",
                f"line={f.line}",
                f"col={f.column}",
                f"title={_escape_property('hindsight ' + (f.rule or f.severity))}",
            ]
        )
        message = f"{f.message} ({f.path})" if f.path != "$" else f.message
        lines.append(f"::{level} {props}::{_escape_data(message)}")
    lines.append(report_text([], checked).strip() if not has_errors(findings) else "")
    return "\n".join(line for line in lines if line) + "\n"


Reporter = Callable[[Sequence[Finding], int], str]

REPORTERS: dict[str, Reporter] = {
    "text": report_text,
    "json": report_json,
    "github": report_github,
}
