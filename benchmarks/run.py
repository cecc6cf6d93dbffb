"""Measure every stage against its anchor and print one table.

For each size (default 1,000 and 10,000 incidents) a synthetic repository
is generated (``benchmarks/generate.py``, seeded) and these are measured,
each next to an anchor timed in the same run on the same machine:

- cold ``hindsight validate --no-cache`` against PyYAML's C loader parsing
  the same files in one process, and against ``check-jsonschema``;
- ``hindsight validate`` after one file changed, against the cold run;
- ``hindsight build`` against a plain ``mkdocs build`` of the pages it
  generated, with the same theme and settings; its peak memory;
- ``pipeline.load_records`` (analysis) and ``trends.trend_report`` beyond
  the parse; the exact probability of a fault tree of 300 basic events;
- the requests a second ``publish`` of an unchanged site makes (10,000
  files, against moto's server on 127.0.0.1).

Times are the best of ``--repeat`` runs (wall clock). Usage::

    python benchmarks/run.py --sizes 1000
    python benchmarks/run.py                # 1,000 and 10,000
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate  # noqa: E402

SEED = 20240115


@dataclass
class Row:
    """One figure of the table."""

    figure: str
    measured: str
    anchor: str = ""
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""


# Timing ----------------------------------------------------------------------


def best(action: Callable[[], object], repeat: int) -> float:
    """The shortest wall time of ``repeat`` runs of ``action``."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def hindsight(
    *args: str, env: dict[str, str], check: bool = False, capture: bool = False
) -> subprocess.CompletedProcess:
    """Run the ``hindsight`` command line in a new interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "hindsight", *args],
        env=env,
        check=check,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE if capture else subprocess.DEVNULL,
        text=True,
    )


def max_rss_mb(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall time, peak resident memory (MB) and stderr of ``command``."""
    wrapper = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL)\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "open(sys.argv[1], 'w').write(str(peak))\n"
        "sys.exit(done.returncode)\n"
    )
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as peak:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", wrapper, peak.name, *command],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        wall = time.perf_counter() - started
        kilobytes = int(peak.read() or 0)
    if done.returncode:
        raise RuntimeError(
            f"{command[2:4]} exited {done.returncode}: {done.stderr[-500:]}"
        )
    return wall, kilobytes / 1024, done.stderr


def ratio_row(
    figure: str,
    measured: float,
    anchor: float,
    anchor_name: str,
    limit: float,
    note: str = "",
    at_least: bool = False,
) -> Row:
    """A row comparing ``measured`` seconds with ``anchor`` seconds."""
    if at_least:
        ratio = anchor / measured
        met = ratio >= limit
        target = f">= {limit:g}x faster"
    else:
        ratio = measured / anchor
        met = ratio <= limit
        target = f"<= {limit:g}x"
    return Row(
        figure,
        f"{measured:.2f} s",
        f"{anchor:.2f} s ({anchor_name})",
        ratio,
        target,
        met,
        note,
    )


# Repositories ----------------------------------------------------------------


def repository(work: Path, size: int) -> Path:
    """The synthetic repository of ``size`` incidents, generated once."""
    root = work / f"repo-{size}"
    marker = root / ".generated"
    stamp = f"{size} {SEED} {Path(generate.__file__).stat().st_mtime_ns}"
    if marker.is_file() and marker.read_text() == stamp:
        return root
    shutil.rmtree(root, ignore_errors=True)
    generate.make_repository(root, size, seed=SEED)
    marker.write_text(stamp)
    return root


def incident_paths(root: Path) -> list[Path]:
    return sorted((root / "incidents").rglob("*.yaml"))


def parse_with_c_loader(paths: list[Path]) -> None:
    """The anchor: PyYAML's C loader over every file, in one process."""
    for path in paths:
        yaml.load(path.read_text("utf-8"), Loader=yaml.CSafeLoader)


# Validate --------------------------------------------------------------------


def validate_rows(
    root: Path, env: dict[str, str], repeat: int, parse: float
) -> list[Row]:
    size = len(incident_paths(root))
    start_up = best(lambda: hindsight("--version", env=env), repeat)
    cold = best(
        lambda: hindsight("validate", "--repo", str(root), "--no-cache", env=env),
        repeat,
    )
    share = f"of which {start_up:.2f} s is starting the command line (--version)"
    rows = [
        ratio_row(
            f"validate --no-cache, {size:,} files",
            cold,
            parse,
            "C loader parse",
            1.25,
            note=share,
        )
    ]
    rows.append(_check_jsonschema_row(root, cold, size))
    rows.extend(_warm_rows(root, env, repeat, cold, size, share))
    return rows


def _check_jsonschema_row(root: Path, cold: float, size: int) -> Row:
    program = shutil.which("check-jsonschema")
    if program is None:
        return Row(
            f"check-jsonschema, {size:,} files",
            "not measured",
            note="check-jsonschema is not installed",
        )
    files = [str(p.relative_to(root)) for p in incident_paths(root)]
    started = time.perf_counter()
    subprocess.run(
        [program, "--schemafile", "schemas/incident.schema.json", *files],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    other = time.perf_counter() - started
    return ratio_row(
        f"validate --no-cache vs check-jsonschema, {size:,} files",
        cold,
        other,
        "check-jsonschema",
        4,
        at_least=True,
    )


def _warm_rows(
    root: Path, env: dict[str, str], repeat: int, cold: float, size: int, share: str
) -> list[Row]:
    hindsight("validate", "--repo", str(root), env=env)  # fill the cache
    changed = incident_paths(root)[size // 2]
    original = changed.read_bytes()
    counter = iter(range(1_000_000))

    def edit_and_validate() -> None:
        changed.write_bytes(original + f"# edit {next(counter)}\n".encode())
        hindsight("validate", "--repo", str(root), env=env)

    try:
        warm = best(edit_and_validate, repeat)
    finally:
        changed.write_bytes(original)
    rows = [
        ratio_row(
            f"validate after one file changed, {size:,} files",
            warm,
            cold,
            "cold validate",
            0.05,
            note=share,
        )
    ]
    rows.append(_warm_in_process_row(root, env, repeat, size))
    return rows


def _warm_in_process_row(
    root: Path, env: dict[str, str], repeat: int, size: int
) -> Row:
    """The same comparison inside one process: no interpreter start-up."""
    from hindsight import pipeline
    from hindsight.repository import Repository

    saved = os.environ.get("HINDSIGHT_CACHE_DIR")
    os.environ["HINDSIGHT_CACHE_DIR"] = env["HINDSIGHT_CACHE_DIR"]
    try:
        cold = best(lambda: pipeline.check_repository(Repository(root)), repeat)
        pipeline.check_repository(Repository(root), cache=True)
        changed = incident_paths(root)[size // 3]
        original = changed.read_bytes()
        counter = iter(range(1_000_000))

        def edit_and_check() -> None:
            changed.write_bytes(original + f"# edit {next(counter)}\n".encode())
            pipeline.check_repository(Repository(root), cache=True)

        try:
            warm = best(edit_and_check, repeat)
        finally:
            changed.write_bytes(original)
    finally:
        if saved is None:
            os.environ.pop("HINDSIGHT_CACHE_DIR", None)
        else:
            os.environ["HINDSIGHT_CACHE_DIR"] = saved
    return ratio_row(
        f"  same, in one process (check_repository), {size:,}",
        warm,
        cold,
        "cold check_repository",
        0.05,
    )


# Analyze and trends ----------------------------------------------------------


def analysis_rows(root: Path, parse: float, repeat: int) -> list[Row]:
    from hindsight import pipeline, trends
    from hindsight.repository import Repository

    size = len(incident_paths(root))
    holder: dict[str, object] = {}

    def load() -> None:
        holder["records"] = pipeline.load_records(Repository(root))[1]

    loading = best(load, repeat)
    records = holder["records"]
    repo = Repository(root)
    period = trends.period_for(date(2024, 12, 31), start=date(2015, 1, 1))
    report_time = best(
        lambda: trends.trend_report(records, repo.taxonomy, period), repeat
    )
    beyond = loading - parse + report_time
    return [
        Row(
            f"analyze + trends beyond parsing, {size:,} incidents",
            f"{beyond:.2f} s",
            f"{parse:.2f} s (C loader parse)",
            None,
            "< 2 s",
            beyond < 2,
            f"load_records {loading:.2f} s (parse, validate, model, analysis; "
            f"workers), trend_report {report_time:.2f} s",
        )
    ]


def fault_tree_of(events: int = 300) -> dict:
    """A tree of subsystems that fail when two redundant halves both fail.

    Each half is an OR of its own basic events; one half of every subsystem
    also shares a common-cause event with other subsystems.
    """
    shared = [f"common-{i}" for i in range(10)]
    subsystems = (events - len(shared)) // 10
    children = []
    for number in range(subsystems):
        own = [f"s{number}-e{i}" for i in range(10)]
        halves = [own[:5], [*own[5:], shared[number % len(shared)]]]
        children.append(
            {
                "event": f"subsystem {number} fails",
                "gate": "and",
                "children": [
                    {
                        "event": f"half {side} of subsystem {number} fails",
                        "gate": "or",
                        "children": [
                            {
                                "event": e,
                                "id": e,
                                "probability": 0.001 * (1 + index % 7),
                            }
                            for index, e in enumerate(half)
                        ],
                    }
                    for side, half in enumerate(halves)
                ],
            }
        )
    return {"event": "service down", "gate": "or", "children": children}


def fault_tree_row(repeat: int) -> Row:
    from hindsight import faulttree

    tree = fault_tree_of(300)
    problems = [p for p in faulttree.check_structure(tree) if p.severity == "error"]
    if problems:
        return Row(
            "fault tree of 300 basic events",
            "not measured",
            note=f"the tree is refused: {problems[0].message}",
        )
    holder: dict[str, object] = {}
    seconds = best(lambda: holder.update(r=faulttree.analyze_fault_tree(tree)), repeat)
    result = holder["r"]
    basic = len(result.basic_events) if hasattr(result, "basic_events") else 300
    probability = getattr(result, "top_event_probability", None)
    return Row(
        "fault tree of 300 basic events, exact probability",
        f"{seconds:.3f} s",
        "",
        None,
        "< 1 s",
        seconds < 1,
        f"{basic} basic events, P(top) = {probability}",
    )


# Build -----------------------------------------------------------------------


def build_rows(root: Path, env: dict[str, str], size: int) -> list[Row]:
    probe = hindsight("build", "--help", env=env)
    if probe.returncode:
        return [Row(f"build, {size:,} incidents", "not measured: build not available")]
    out = root / "build" / "site"
    command = [
        sys.executable,
        "-m",
        "hindsight",
        "build",
        "--repo",
        str(root),
        "--out",
        str(out),
        "--as-of",
        "2025-01-01",
    ]
    try:
        wall, peak, stderr = max_rss_mb(command, env)
    except RuntimeError as error:
        return [
            Row(
                f"build, {size:,} incidents",
                "not measured: build failed",
                note=str(error)[:200],
            )
        ]
    progress = "%|" in stderr or "pages" in stderr
    rows = [
        Row(
            f"build, {size:,} incidents: peak memory",
            f"{peak:,.0f} MB",
            "",
            None,
            "< 4096 MB",
            peak < 4096,
            f"wall {wall:.1f} s; progress shown: {'yes' if progress else 'no'}",
        )
    ]
    if size > 1000:
        rows.append(
            Row(
                f"build, {size:,} incidents",
                f"{wall:.1f} s",
                note="the plain mkdocs build is timed at 1,000 only",
            )
        )
        return rows
    try:
        plain = plain_mkdocs_build(root, env)
    except Exception as error:  # the build module is still changing
        rows.append(
            Row(
                f"build vs mkdocs build, {size:,}",
                f"{wall:.1f} s",
                note=f"plain mkdocs build not measured: {error}"[:200],
            )
        )
        return rows
    rows.append(
        ratio_row(
            f"build vs plain mkdocs build, {size:,} incidents",
            wall,
            plain,
            "mkdocs build",
            1.3,
        )
    )
    return rows


def plain_mkdocs_build(root: Path, env: dict[str, str]) -> float:
    """``mkdocs build`` of the docs folder hindsight wrote, same settings."""
    from hindsight.repository import Repository

    try:
        from hindsight import site_config as build
    except ImportError:  # the settings lived in the build module before
        from hindsight import build  # type: ignore[no-redef]

    repo = Repository(root)
    config = build.SiteConfig.of(repo)
    pages = [
        p for p in build.hand_written(config) if p.endswith(".md") and p != "index.md"
    ]
    site = root / "build" / "plain-site"
    settings = build.mkdocs_settings(
        config, repo.build_dir / "docs", site, build.navigation(config, pages)
    )
    settings["strict"] = False
    plain = root / "build" / "plain-mkdocs.yml"
    plain.write_text(json.dumps({**config.raw, **settings}))  # JSON is YAML
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(plain)],
        env={**env, "NO_MKDOCS_2_WARNING": "1"},
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


# Publish ---------------------------------------------------------------------


def publish_row(work: Path, files: int = 10_000) -> Row:
    figure = f"publish of an unchanged {files:,}-file site: requests"
    try:
        from hindsight.publish import publish
    except ImportError:
        return Row(figure, "not measured: publish not available")
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line a request

    site = synthetic_site(work / f"site-{files}", files)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        session = boto3.Session(
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
            region_name="us-east-1",
        )
        session.client("s3", endpoint_url=endpoint).create_bucket(Bucket="site")
        started = time.perf_counter()
        publish(site, bucket="site", endpoint_url=endpoint, session=session)
        first = time.perf_counter() - started
        requests: list[str] = []
        session.events.register(
            "before-send", lambda event_name, **_: requests.append(event_name)
        )
        started = time.perf_counter()
        result = publish(site, bucket="site", endpoint_url=endpoint, session=session)
        second = time.perf_counter() - started
    finally:
        server.stop()
    uploaded = getattr(result, "uploaded", None)
    kinds = sorted({name.rsplit(".", 1)[-1] for name in requests})
    return Row(
        figure,
        f"{len(requests)} requests",
        "",
        None,
        "a handful (<= 10)",
        len(requests) <= 10,
        f"first publish {first:.1f} s, second {second:.2f} s, "
        f"uploaded again: {len(uploaded) if uploaded is not None else '?'}; "
        f"{', '.join(kinds)}",
    )


def synthetic_site(root: Path, files: int) -> Path:
    """A built site's shape: pages in folders, a few assets."""
    if (root / "index.html").is_file() and sum(1 for _ in root.rglob("*.*")) == files:
        return root
    shutil.rmtree(root, ignore_errors=True)
    for number in range(files - 1):
        page = (
            root
            / "incidents"
            / f"{number // 500:03d}"
            / f"page-{number}"
            / "index.html"
        )
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(
            f"<!doctype html><title>Page {number}</title>" + "<p>review text</p>" * 60
        )
    (root / "index.html").write_text("<!doctype html><title>Postmortems</title>")
    return root


# The table -------------------------------------------------------------------


def machine() -> str:
    model = "unknown CPU"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} CPU(s) ({model}), Python {platform.python_version()}, "
        f"PyYAML {yaml.__version__} (C loader: {yaml.__with_libyaml__}), "
        f"load average {os.getloadavg()[0]:.2f} at the start"
    )


def table(rows: list[Row]) -> str:
    header = ("figure", "measured", "anchor", "ratio", "target", "result")
    body = []
    for row in rows:
        result = "" if row.met is None else ("met" if row.met else "MISSED")
        ratio = "" if row.ratio is None else f"{row.ratio:.3f}"
        body.append((row.figure, row.measured, row.anchor, ratio, row.target, result))
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(header, widths, strict=True)).rstrip()
    ]
    lines.append("  ".join("-" * w for w in widths))
    for row, cells in zip(rows, body, strict=True):
        lines.append(
            "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
        )
        if row.note:
            lines.append(f"    {row.note}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument(
        "--repeat",
        type=int,
        default=2,
        help="runs per timing; the best counts (default 2)",
    )
    parser.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()) / "hindsight-bench"
    )
    parser.add_argument(
        "--skip",
        nargs="*",
        default=[],
        choices=["validate", "analyze", "build", "publish"],
    )
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HINDSIGHT_CACHE_DIR": str(args.work / "cache")}
    env.pop("GITHUB_ACTIONS", None)
    print(machine(), flush=True)
    rows: list[Row] = []
    for size in args.sizes:
        print(f"... {size:,} incidents", file=sys.stderr, flush=True)
        root = repository(args.work, size)
        paths = incident_paths(root)
        parse = best(lambda p=paths: parse_with_c_loader(p), args.repeat)
        if "validate" not in args.skip:
            rows.extend(validate_rows(root, env, args.repeat, parse))
        if "analyze" not in args.skip:
            rows.extend(analysis_rows(root, parse, args.repeat))
        if "build" not in args.skip:
            rows.extend(build_rows(root, env, size))
    if "analyze" not in args.skip:
        rows.append(fault_tree_row(args.repeat))
    if "publish" not in args.skip:
        rows.append(publish_row(args.work))
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
