"""`hindsight trends`: the trend report of a period, with optional charts."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .. import pipeline, trends
from ..cli import EXIT_OK, InputError, UsageError, command, log
from . import out, repository


def _trends_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--days",
        type=int,
        metavar="N",
        help=f"the N whole UTC days up to the as-of day (default "
        f"{trends.DEFAULT_DAYS})",
    )
    parser.add_argument(
        "--as-of",
        metavar="DATE",
        help="the last day of the period and the day overdue items are judged "
        "by, YYYY-MM-DD (default today, UTC)",
    )
    parser.add_argument(
        "--from",
        dest="start",
        metavar="DATE",
        help="first day of an explicit period, YYYY-MM-DD",
    )
    parser.add_argument(
        "--to",
        dest="end",
        metavar="DATE",
        help="last day of an explicit period (default the as-of day)",
    )
    parser.add_argument(
        "--charts",
        type=Path,
        metavar="DIR",
        help="also write the charts as SVG files into DIR",
    )


@command("trends", "the trend report over the incidents of a period")(_trends_options)
def trends_command(args: argparse.Namespace) -> int:
    repo = repository(args)
    try:
        period = trends.period_for(args.as_of, args.days, args.start, args.end)
    except trends.TrendError as error:
        raise UsageError(str(error)) from None
    result, records = pipeline.load_records(repo)
    skipped = len(result.files) - len(result.valid_files())
    if skipped:
        log.warning(
            "%d file(s) with errors left out; run `hindsight validate`", skipped
        )
    try:
        report = trends.trend_report(records, repo.taxonomy, period)
    except trends.TrendError as error:
        where = repo.display(repo.taxonomy_path)
        raise InputError(f"{where}: error: {error}") from None
    if report.empty:
        log.info("no incidents started from %s to %s", period.start, period.end)
    if args.charts:
        from ..charts import write_charts

        try:
            written = write_charts(records, report, args.charts)
        except OSError as error:
            raise UsageError(f"--charts {args.charts}: {error.strerror}") from None
        for path in written.values():
            log.info("wrote %s", path)
    fmt = args.format or "text"
    if fmt == "json":
        out(json.dumps(report.to_dict(), indent=2))
    elif fmt == "markdown":
        out(trends.trends_markdown(report))
    else:
        out(trends.trends_text(report))
    return EXIT_OK
