"""The page templates and their filters: Markdown with every value escaped.

Templates live in ``data/templates/``. The Jinja2 environment has
autoescaping off, because its output is Markdown, not HTML; instead every
value from an incident file (or the taxonomy) goes through the filters
``text``, ``cell`` and ``link`` of :mod:`hindsight.mdtext`, or one of the
formatting filters below, which escape what they print. The rule is
enforced, not hoped for: the environment's ``finalize`` refuses to print a
string that no escaping filter produced, so a template that forgets a
filter fails the build instead of publishing raw input. Templates render
values; no template is ever made from a value.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

import jinja2

from . import mdtext
from .model import minutes_between

TEMPLATES = "hindsight", "data/templates"


class Escaped(str):
    """Markdown that is safe to print: made by an escaping filter."""


class UnsafeOutput(TypeError):
    """A template printed a value that no escaping filter made safe."""


def _finalize(value: Any) -> Any:
    if isinstance(value, Escaped):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    raise UnsafeOutput(
        f"a template printed {type(value).__name__} {str(value)[:60]!r} "
        "without an escaping filter (text, cell or link)"
    )


# Filters -----------------------------------------------------------------------

_TARGET = re.compile(r"^(?!/)(?!.*//)[A-Za-z0-9._/-]+(#[A-Za-z0-9_.-]+)?$")


def relative_link(here: str, doc: str) -> str:
    """The link from the page at docs path ``here`` to the page ``doc``
    (``incidents/x.md#anchor``), as MkDocs resolves it in strict mode.

    Raises :class:`UnsafeOutput` unless the link is a plain relative path.
    """
    path, _sep, anchor = doc.partition("#")
    base = posixpath.dirname(here) or "."
    target = posixpath.relpath(path, base) + (f"#{anchor}" if anchor else "")
    if not _TARGET.match(target):
        raise UnsafeOutput(f"not a plain relative link: {target!r}")
    return target


def _text(value: object) -> Escaped:
    return Escaped(mdtext.text(value))


def _cell(value: object) -> Escaped:
    return Escaped(mdtext.cell(value))


def _link(label: object, url: object) -> Escaped:
    return Escaped(mdtext.link(label, url))


@jinja2.pass_context
def _to(context: Any, doc: str) -> Escaped:
    """The relative link from the page being rendered to the page ``doc``."""
    return Escaped(relative_link(context["here"], doc))


def _minutes(value: int | None) -> Escaped:
    """Minutes as ``2 h 15 min``; an empty figure as a dash."""
    if value is None:
        return Escaped("\u2014")
    if not isinstance(value, int) or isinstance(value, bool):
        raise UnsafeOutput(f"minutes must be an int, not {type(value).__name__}")
    sign, value = ("\u2212", -value) if value < 0 else ("", value)
    hours, minutes = divmod(value, 60)
    days, hours = divmod(hours, 24)
    if days:
        return Escaped(f"{sign}{days} d {hours} h {minutes} min")
    return Escaped(
        f"{sign}{hours} h {minutes} min" if hours else f"{sign}{minutes} min"
    )


def _number(value: float | None, digits: int = 4) -> Escaped:
    if value is None:
        return Escaped("\u2014")
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise UnsafeOutput(f"number expected, not {type(value).__name__}")
    return Escaped(f"{value:.{digits}g}")


def _when(value: datetime | date | None) -> Escaped:
    """A timestamp in UTC (``2024-01-15 14:30``) or a date."""
    if value is None:
        return Escaped("\u2014")
    if isinstance(value, datetime):
        return Escaped(value.astimezone(UTC).strftime("%Y-%m-%d %H:%M"))
    if isinstance(value, date):
        return Escaped(value.isoformat())
    raise UnsafeOutput(f"a date or time expected, not {type(value).__name__}")


def _day(value: datetime) -> Escaped:
    """The UTC date of a timestamp."""
    if not isinstance(value, datetime):
        raise UnsafeOutput(f"a time expected, not {type(value).__name__}")
    return Escaped(value.astimezone(UTC).date().isoformat())


def _since(value: datetime, start: datetime) -> Escaped:
    """How long after ``start`` a timestamp is, as ``+1 h 5 min``."""
    minutes = minutes_between(start, value)
    shown = _minutes(minutes)
    return Escaped(shown if minutes < 0 else f"+{shown}")


def _weblink(url: object, width: int = 60) -> Escaped:
    """A link to an http(s) URL labelled with the URL without its scheme;
    a label longer than ``width`` keeps its end (``…/issues/812``). A URL
    that is not http(s) is no link: it shows in full, as text."""
    if mdtext.safe_url(url) is None:
        return _text(url)
    label = re.sub(r"^https?://", "", str(url), flags=re.IGNORECASE)
    if len(label) > width:
        tail = label[-(width - 1) :]
        cut = tail.find("/", 1)
        label = "\u2026" + (tail[cut:] if cut > 0 else tail)
    return Escaped(mdtext.link(label, url))


def _badge(value: object, rank: int) -> Escaped:
    """A severity as a coloured badge; the class comes from its rank only."""
    return Escaped(
        f'<span class="hs-sev hs-sev-{int(rank)}">{mdtext.cell(value)}</span>'
    )


FILTERS: dict[str, Callable[..., Escaped]] = {
    "text": _text,
    "cell": _cell,
    "link": _link,
    "to": _to,
    "minutes": _minutes,
    "number": _number,
    "when": _when,
    "day": _day,
    "since": _since,
    "weblink": _weblink,
    "badge": _badge,
}


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The template environment: Markdown output, every value filtered."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(*TEMPLATES),
        autoescape=False,  # Markdown, not HTML: the filters escape instead
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    return env


def render(template: str, here: str, **context: Any) -> str:
    """Render a template into the Markdown of the page at docs path ``here``."""
    return environment().get_template(template).render(here=here, **context)


def fragment(markdown: str) -> Escaped:
    """Markdown made elsewhere that escapes its own values (trend report,
    action-item ledger) or that the repository wrote (hand-written intro)."""
    return Escaped(markdown)


def markdown_page(template: str, here: str, body: str, **context: Any) -> str:
    """A page around Markdown made by another module (trends, the ledger)."""
    return render(template, here, body=fragment(body), **context)
