"""The reference pages: the analyzers and the readiness policy, from the code.

Each analyzer's and each readiness requirement's docstring is the Markdown
of its section, so the reference says what the code does; the options and
the policy are those of the repository being built.
"""

from __future__ import annotations

import inspect
from typing import Any

from .analyze import ANALYZERS
from .model import STATUSES
from .readiness import REQUIREMENTS, rules_for
from .site_view import Site
from .templates import Escaped, fragment, render


def reference_files(site: Site) -> dict[str, str]:
    """``reference/analyzers.md`` and ``reference/readiness.md``."""
    return {
        "reference/analyzers.md": render(
            "analyzers.md.j2", "reference/analyzers.md", analyzers=analyzer_docs(site)
        ),
        "reference/readiness.md": render(
            "readiness.md.j2", "reference/readiness.md", **readiness_docs(site)
        ),
    }


def _doc(text: str | None) -> Escaped:
    """A docstring of this package, as the Markdown it is written in."""
    return fragment(inspect.cleandoc(text or ""))


def analyzer_docs(site: Site) -> list[dict[str, Any]]:
    """Each analyzer: its id, its docstring, its options and their values here."""
    return [
        {
            "id": spec.id,
            "doc": _doc(spec.run.__doc__),
            "options": [
                (
                    name,
                    default,
                    site.taxonomy.analyzer_options(spec.id).get(name, default),
                )
                for name, default in spec.options.items()
            ],
        }
        for spec in ANALYZERS.values()
    ]


def readiness_docs(site: Site) -> dict[str, Any]:
    """The statuses with their requirements, and each requirement's docstring."""
    statuses = site.taxonomy.readiness["statuses"]
    return {
        "statuses": [
            (status, list(statuses.get(status) or []), rules_for(status, site.taxonomy))
            for status in STATUSES
        ],
        "requirements": [
            (
                rule,
                _doc(check.__doc__),
                [s for s in STATUSES if rule in (statuses.get(s) or [])],
            )
            for rule, check in REQUIREMENTS.items()
        ],
        "severe": list(site.taxonomy.readiness.get("severe_severities") or []),
    }
