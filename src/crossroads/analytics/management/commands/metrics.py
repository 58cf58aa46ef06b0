"""`crossroads metrics VERB`: the metric catalogue from the command line.

- `list [--json]`: every metric, its unit and its definition.
- `show NAME --from DATE --to DATE [--by month|quarter] [--agency SLUG] [--program SLUG]
  [--area AREA] [--json]`: the metric over the snapshot, one row per period and agency.

Bad input exits 2, naming the option and the reason.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder

from crossroads.analytics import metrics
from crossroads.analytics.queries import agency_slug
from crossroads.core.commands import agency_named
from crossroads.programs.models import Program


def _day(option: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{option}: {text!r} is not a date (YYYY-MM-DD)", returncode=2) from None


def _program(option: str, slug: str | None) -> str | None:
    """A program's slug as given, if there is such a program (a typo would show no rows)."""
    if slug is None or Program.objects.filter(slug=slug).exists():
        return slug
    known = ", ".join(Program.objects.order_by("slug").values_list("slug", flat=True)) or "none"
    raise CommandError(f"{option}: no program is called {slug!r}; known: {known}", returncode=2)


class Command(BaseCommand):
    help = "Metrics: list them, or show one over the analytics snapshot."

    def add_arguments(self, parser: CommandParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)
        listing = verbs.add_parser("list", help="every metric, with its definition")
        listing.add_argument("--json", action="store_true")
        show = verbs.add_parser("show", help="one metric, per period and agency")
        show.add_argument("name")
        show.add_argument("--from", dest="first", required=True, metavar="DATE")
        show.add_argument("--to", dest="last", required=True, metavar="DATE")
        show.add_argument("--by", choices=["month", "quarter"], default=None)
        show.add_argument("--agency", metavar="SLUG")
        show.add_argument("--program", metavar="SLUG")
        show.add_argument("--area", metavar="AREA", help="a precinct, as the calls name it")
        show.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["verb"] == "list":
                self._list(options)
            else:
                self._show(options)
        except metrics.MetricError as error:
            raise CommandError(str(error), returncode=2) from None

    def _list(self, options: dict[str, Any]) -> None:
        catalogue = metrics.catalogue().values()
        if options["json"]:
            self.stdout.write(json.dumps([m.header.model_dump() for m in catalogue], indent=2))
            return
        for metric in catalogue:
            self.stdout.write(f"{metric.name}\t{metric.header.unit}\t{metric.header.title}")

    def _show(self, options: dict[str, Any]) -> None:
        metric = metrics.metric_named(options["name"])
        agency = agency_slug(agency_named(options["agency"])) if options["agency"] else None
        filters = metrics.Filters(
            _day("--from", options["first"]),
            _day("--to", options["last"]),
            options["by"] or "all",
            agency,
            _program("--program", options["program"]),
            options["area"],
        )
        rows = metrics.run(metric.name, filters)
        if options["json"]:
            document = {
                "metric": metric.header.model_dump(),
                "filters": filters.__dict__,
                "rows": rows,
            }
            self.stdout.write(json.dumps(document, cls=DjangoJSONEncoder, indent=2))
            return
        self.stdout.write(f"{metric.header.title} ({metric.header.unit})")
        for row in rows:
            category = f"\t{row['category']}" if row.get("category") is not None else ""
            value = "-" if row["value"] is None else f"{row['value']:.4g}"
            self.stdout.write(
                f"{row['period']}\t{row['agency']}{category}\t{value}\t"
                f"({row['numerator']} / {row['denominator']})"
            )
