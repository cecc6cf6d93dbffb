"""Synthetic postmortem repositories for benchmarks and tests.

``make_repository(root, count, seed)`` writes ``count`` incident files of
about 5 KB each in the shape of the format's example: varied severities,
statuses, services and years, timelines, five-whys chains in both forms,
fishbones, fault trees with shared basic events, root causes, action items
and reviews. The same seed gives the same files, byte for byte. With
``broken`` some files get one realistic mistake each (a YAML syntax error,
a severity typo, a timestamp without offset, a reused incident id, ...),
so a run has findings to report.

Run it as a script to write a repository::

    python benchmarks/generate.py /tmp/repo --count 1000 --seed 1
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

SERVICES = [
    "user-service",
    "auth-service",
    "api-gateway",
    "billing",
    "checkout",
    "search",
    "recommendations",
    "notifications",
    "email-relay",
    "sms-relay",
    "inventory",
    "orders",
    "payments",
    "ledger",
    "reporting",
    "cdn-edge",
    "dns",
    "object-storage",
    "message-queue",
    "scheduler",
    "feature-flags",
    "identity-provider",
    "web-frontend",
    "mobile-backend",
    "data-pipeline",
]
SEVERITIES = [("critical", 5), ("high", 20), ("medium", 45), ("low", 30)]
STATUSES = [("draft", 10), ("in_review", 15), ("reviewed", 50), ("closed", 25)]
CATEGORIES = [
    "human_error",
    "configuration_error",
    "process_failure",
    "external_dependency",
    "design_flaw",
    "technology_failure",
]
TEAMS = [
    "ops-team",
    "dev-team",
    "sre",
    "platform",
    "database-team",
    "network-team",
    "security",
    "payments-team",
    "frontend-team",
    "data-team",
]
ATTENDEES = TEAMS + ["tech-lead", "product-manager", "incident-commander", "cto"]
SYMPTOMS = [
    "error rate on {s} climbed above the alarm threshold",
    "latency of {s} rose to several seconds at the 99th percentile",
    "{s} returned timeouts for a share of requests",
    "requests to {s} queued until clients gave up",
    "{s} stopped accepting new connections",
    "a backlog built up in {s} and processing fell behind",
]
CAUSES = [
    "a configuration change set the connection limit too low",
    "a deploy shipped a retry loop without backoff",
    "the disk of the primary database filled with write-ahead logs",
    "an expired certificate broke the handshake with an upstream provider",
    "a manual failover was run against the wrong cluster",
    "a memory leak in the new release exhausted the heap after an hour",
    "a schema migration locked a large table during peak traffic",
    "the vendor's API throttled requests after a quota change",
    "a race between two workers deleted live entries from the cache",
    "a network partition isolated one availability zone",
]
WHY_ANSWERS = [
    "The connection pool was exhausted by idle sessions.",
    "Connections were held open while waiting on a slow dependency.",
    "The dependency's timeout was longer than the client's.",
    "Timeouts were copied from an old service without review.",
    "There was no checklist for timeouts when a service is created.",
    "The runbook did not say how to shed load safely.",
    "Alerts fired on symptoms that responders could not act on.",
    "The change was not tested under production-like load.",
]
TAGS = ["database", "network", "deploy", "dns", "capacity", "config", "vendor"]
WORDS = (
    "the team saw traffic shift between regions while the cache warmed and "
    "several clients retried aggressively which doubled the load on the "
    "primary while replicas lagged behind and dashboards showed gaps"
).split()


def _weighted(rng: random.Random, table: list[tuple[str, int]]) -> str:
    names = [name for name, _ in table]
    weights = [weight for _, weight in table]
    return rng.choices(names, weights)[0]


def _sentence(rng: random.Random, low: int = 8, high: int = 18) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class _Writer:
    """Lines of one incident file, written as a person would write them."""

    def __init__(self, rng: random.Random, number: int, start: datetime) -> None:
        self.rng = rng
        self.number = number
        self.start = start
        self.lines: list[str] = []

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def incident_text(rng: random.Random, number: int, start: datetime) -> str:
    """One valid incident file (readiness met for its status)."""
    w = _Writer(rng, number, start)
    severity = _weighted(rng, SEVERITIES)
    status = _weighted(rng, STATUSES)
    services = rng.sample(SERVICES, rng.randint(1, 4))
    times = _times(rng, start)
    _header(w, severity, status, services, times)
    _timeline(w, services, times)
    rc_ids = [f"RC-{i + 1}" for i in range(rng.randint(1, 3))]
    if status != "draft" or rng.random() < 0.5:
        _analysis(w, severity)
    if status in ("reviewed", "closed") or rng.random() < 0.5:
        _root_causes(w, rc_ids)
    else:
        rc_ids = []
    if status in ("reviewed", "closed") or rng.random() < 0.5:
        _action_items(w, rc_ids, status)
    if status in ("reviewed", "closed") or rng.random() < 0.3:
        _lessons_and_review(w, times["end"])
    return w.text()


def _times(rng: random.Random, start: datetime) -> dict[str, datetime]:
    detected = start + timedelta(minutes=rng.randint(1, 30))
    acknowledged = detected + timedelta(minutes=rng.randint(0, 15))
    mitigated = acknowledged + timedelta(minutes=rng.randint(5, 240))
    end = mitigated + timedelta(minutes=rng.randint(0, 120))
    return {
        "start": start,
        "detected": detected,
        "acknowledged": acknowledged,
        "mitigated": mitigated,
        "end": end,
    }


def _header(
    w: _Writer,
    severity: str,
    status: str,
    services: list[str],
    times: dict[str, datetime],
) -> None:
    rng = w.rng
    symptom = rng.choice(SYMPTOMS).format(s=services[0])
    minutes = int((times["end"] - times["start"]).total_seconds() // 60)
    w.add(
        "# yaml-language-server: $schema=../../schemas/incident.schema.json",
        "schema_version: 1",
        f"incident_id: INC-{w.start.year}-{w.number:05d}",
        f"title: {symptom.capitalize()}",
        f"severity: {severity}",
        f"status: {status}",
        f"start_time: {_stamp(times['start'])}",
        f"detected_time: {_stamp(times['detected'])}",
        f"acknowledged_time: {_stamp(times['acknowledged'])}",
        f"mitigated_time: {_stamp(times['mitigated'])}",
        f"end_time: {_stamp(times['end'])}",
    )
    if rng.random() < 0.7:
        w.add(f"duration_minutes: {minutes}")
    if rng.random() < 0.05:
        w.add("kind: near_miss")
    w.add(
        "impact_description: >",
        f"  {_sentence(rng, 10, 16)}",
        f"  {_sentence(rng, 10, 16)}",
    )
    w.add("services_affected:", *[f"  - {s}" for s in services])
    tags = rng.sample(TAGS, 2)
    w.add(f"tags: [{', '.join(tags)}]")
    if rng.random() < 0.3:
        w.add(
            "references:",
            f"  - https://status.example.com/incidents/{w.number}",
            f"  - https://wiki.example.com/postmortems/{w.number}",
        )
    w.add("")


def _timeline(w: _Writer, services: list[str], times: dict[str, datetime]) -> None:
    rng = w.rng
    w.add("timeline_events:")
    moments = sorted(
        [
            times["start"] - timedelta(minutes=rng.randint(5, 60)),
            times["detected"],
            times["acknowledged"],
            times["mitigated"],
            times["end"],
        ]
        + [
            times["acknowledged"]
            + (times["mitigated"] - times["acknowledged"]) * rng.random()
            for _ in range(rng.randint(1, 5))
        ]
    )
    for moment in moments:
        w.add(
            f"  - timestamp: {_stamp(moment.replace(microsecond=0))}",
            f"    event: {rng.choice(SYMPTOMS).format(s=rng.choice(services))}",
            f"    source: {rng.choice(['monitoring', 'ops-team', 'deploy-bot'])}",
            f"    details: {_sentence(rng, 6, 12)}",
        )
        if rng.random() < 0.4:
            w.add(f"    impact: {_sentence(rng, 4, 8)}")
    w.add("")


def _analysis(w: _Writer, severity: str) -> None:
    rng = w.rng
    w.add("analysis:", f"  impact_level: {rng.choice(['high', 'medium', 'low'])}")
    depth = rng.choice([3, 4, 5, 5, 5, 6])
    answers = rng.sample(WHY_ANSWERS, min(depth, len(WHY_ANSWERS)))
    w.add("  five_whys:")
    plain = rng.random() < 0.2
    previous = "users saw errors"
    for answer in answers:
        question = f"Why was it that {previous.rstrip('.')}?"
        if plain:
            w.add(f"    - {question}", f"    - {answer}")
        else:
            w.add(f"    - question: {question}", f"      answer: {answer}")
        previous = answer[0].lower() + answer[1:]
    w.add("  fishbone:")
    for category in rng.sample(
        ["people", "process", "technology", "environment"], rng.randint(2, 4)
    ):
        w.add(f"    {category}: [{_sentence(rng, 4, 7).rstrip('.')}]")
    if rng.random() < 0.6:
        w.add("  fault_tree:")
        _fault_tree(w, 0, "    ", "    ", [])
    w.add("")


def _fault_tree(
    w: _Writer, depth: int, first: str, rest: str, shared: list[str]
) -> None:
    """A gate and its children; ``first`` prefixes the node's first line."""
    rng = w.rng
    gate = rng.choice(["and", "or", "or"])
    w.add(
        f"{first}event: {_sentence(rng, 3, 6).rstrip('.')}",
        f"{rest}gate: {gate}",
        f"{rest}children:",
    )
    for _ in range(rng.randint(2, 3)):
        item, inner = f"{rest}  - ", f"{rest}    "
        if depth < 1 and rng.random() < 0.5:
            _fault_tree(w, depth + 1, item, inner, shared)
            continue
        if shared and rng.random() < 0.2:
            ident, probability = shared[rng.randrange(len(shared))].split("=")
        else:
            ident = f"e{len(shared) + 1}"
            probability = f"{rng.choice([0.001, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5])}"
            shared.append(f"{ident}={probability}")
        w.add(
            f"{item}event: Basic event {ident}",
            f"{inner}id: {ident}",
            f"{inner}probability: {probability}",
        )


def _root_causes(w: _Writer, ids: list[str]) -> None:
    rng = w.rng
    w.add("root_causes:")
    for ident in ids:
        w.add(
            f"  - id: {ident}",
            f"    category: {rng.choice(CATEGORIES)}",
            f"    description: {rng.choice(CAUSES).capitalize()}.",
            "    contributing_factors:",
            *[
                f"      - {_sentence(rng, 5, 9).rstrip('.')}"
                for _ in range(rng.randint(1, 3))
            ],
            "    evidence:",
            f"      - {_sentence(rng, 6, 10).rstrip('.')}",
            f"    likelihood: {rng.choice(['high', 'medium', 'low'])}",
            f"    impact: {rng.choice(['high', 'medium', 'low'])}",
        )
    w.add("")


def _action_items(w: _Writer, rc_ids: list[str], status: str) -> None:
    rng = w.rng
    w.add("action_items:")
    for index in range(rng.randint(1, 4)):
        due = (w.start + timedelta(days=rng.randint(7, 60))).date()
        if status == "closed":
            state = rng.choice(["completed", "completed", "cancelled"])
        else:
            state = rng.choice(["open", "in_progress", "completed"])
        w.add(
            f"  - id: AI-{index + 1}",
            f"    title: {_sentence(rng, 4, 7).rstrip('.')}",
            f"    description: {_sentence(rng, 8, 14)}",
            f"    owner: {rng.choice(TEAMS)}",
            f"    priority: {rng.choice(['high', 'medium', 'low'])}",
            f"    due_date: {due.isoformat()}",
            f"    status: {state}",
        )
        if state == "completed":
            done = due - timedelta(days=rng.randint(0, 6))
            w.add(f"    completed_date: {done.isoformat()}")
        w.add(
            f"    estimated_effort: {rng.randint(1, 10)} days",
            f"    success_criteria: {_sentence(rng, 5, 9).rstrip('.')}",
        )
        if rc_ids:
            w.add(f"    related_root_causes: [{rng.choice(rc_ids)}]")
        if rng.random() < 0.3:
            w.add(f"    tracking_url: https://tracker.example.com/T-{w.number}-{index}")
    w.add("")


def _lessons_and_review(w: _Writer, end: datetime) -> None:
    rng = w.rng
    w.add(
        "lessons_learned:",
        *[f"  - {_sentence(rng, 6, 12).rstrip('.')}" for _ in range(rng.randint(1, 3))],
        "",
    )
    day = (end + timedelta(days=rng.randint(1, 7))).date()
    w.add(
        "review:",
        f"  date: {day.isoformat()}",
        f"  attendees: [{', '.join(rng.sample(ATTENDEES, rng.randint(2, 5)))}]",
        f"  duration_minutes: {rng.choice([30, 45, 60, 90])}",
        f"  follow_up_date: {(day + timedelta(days=30)).isoformat()}",
    )


# Mistakes --------------------------------------------------------------------


def _break(rng: random.Random, text: str, other_id: str) -> str:
    """One realistic mistake; each keeps the file otherwise as it was."""
    lines = text.splitlines(keepends=True)
    kind = rng.randrange(8)
    if kind == 0:
        return text.replace("services_affected:", "services_affected: [unclosed", 1)
    if kind == 1:
        return _replace_line(lines, "severity:", "severity: hihg\n")
    if kind == 2:
        return _replace_line(
            lines, "end_time:", lines[_find(lines, "end_time:")].rstrip("Z\n") + "\n"
        )
    if kind == 3:
        return _replace_line(lines, "incident_id:", f"incident_id: {other_id}\n")
    if kind == 4:
        return text.replace(
            "impact_description:", "servces: [api]\nimpact_description:", 1
        )
    if kind == 5:
        return _replace_line(lines, "end_time:", "end_time: 2000-01-01T00:00:00Z\n")
    if kind == 6:
        return _replace_line(lines, "title:", "title: ''\n")
    return text.replace("schema_version: 1", "schema_version: 1\nseverity: low", 1)


def _find(lines: list[str], prefix: str) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith(prefix))


def _replace_line(lines: list[str], prefix: str, new: str) -> str:
    lines = list(lines)
    lines[_find(lines, prefix)] = new
    return "".join(lines)


# Repositories ----------------------------------------------------------------


def incident_files(count: int, seed: int, broken: int = 0) -> list[tuple[str, str]]:
    """``(relative path, text)`` of each file of a synthetic repository."""
    rng = random.Random(seed)
    first = datetime(2015, 1, 1, tzinfo=UTC)
    span = int((datetime(2024, 12, 31, tzinfo=UTC) - first).total_seconds())
    files = []
    for number in range(1, count + 1):
        start = first + timedelta(seconds=rng.randrange(span))
        start = start.replace(second=0)
        text = incident_text(rng, number, start)
        slug = f"incident-{number:05d}"
        files.append((f"incidents/{start.year}/{start.date()}-{slug}.yaml", text))
    wrong = random.Random(seed + 1).sample(range(count), min(broken, count))
    for index in wrong:
        other = files[(index + 1) % count][1]
        other_id = other.split("incident_id: ", 1)[1].split("\n", 1)[0]
        path, text = files[index]
        files[index] = (
            path,
            _break(random.Random(seed * 7919 + index), text, other_id),
        )
    return files


def make_repository(root: Path, count: int, seed: int = 1, broken: int = 0) -> Path:
    """Write a synthetic repository of ``count`` incidents under ``root``."""
    from hindsight.schema import schema_text
    from hindsight.taxonomy import load_taxonomy

    root.mkdir(parents=True, exist_ok=True)
    for relative, text in incident_files(count, seed, broken):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    schemas = root / "schemas"
    schemas.mkdir(exist_ok=True)
    (schemas / "taxonomy.yaml").write_text(
        "# The services of the synthetic organisation.\nservices:\n"
        + "".join(f"  - {name}\n" for name in SERVICES),
        "utf-8",
    )
    taxonomy = load_taxonomy(schemas / "taxonomy.yaml")
    (schemas / "incident.schema.json").write_text(schema_text(taxonomy), "utf-8")
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--broken", type=int, default=0)
    args = parser.parse_args(argv)
    make_repository(args.root, args.count, args.seed, args.broken)
    print(f"{args.count} incidents in {args.root}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
