"""`crossroads directory VERB`: the resource directory from the command line.

- `search`: the same search as the page and GET /api/v1/directory/search; `--json` prints
  what the API answers.
- `reindex`: rebuild the search index from the directory's records (an audited action).
- `verify-due`: open a verification task for each listing not verified within
  CROSSROADS_VERIFY_WITHIN_DAYS; run it daily (docs/operations.md). Running it again opens none.
- `map-term`: read an agency's own taxonomy term (loaded with its HSDS data) as a Crossroads
  category, access or payment code in search.

Bad input exits 2, naming the option and the reason.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from pydantic import TypeAdapter

from crossroads.core.commands import agency_named
from crossroads.directory import actions
from crossroads.directory.models import TaxonomyTerm
from crossroads.directory.search import QueryError, SearchResults, query_from, search

# SearchQuery's field -> the option that sets it, for naming the option in an error.
OPTIONS = {
    "text": "--text",
    "near": "--near",
    "within_km": "--within-km",
    "categories": "--category",
    "open_at": "--open-at",
    "age": "--age",
    "languages": "--language",
    "payments": "--payment",
    "limit": "--limit",
    "offset": "--offset",
}
RESULTS = TypeAdapter(SearchResults)


def _iso_time(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 time such as 2026-03-01T03:00") from None


class Command(BaseCommand):
    help = (
        "Work with the resource directory: search it, rebuild its search index, queue listings "
        "due for verification."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
        self._search_arguments(
            verbs.add_parser(
                "search",
                help="find places by need, distance, hours, access, cost and live capacity",
                description="Find places, best fit first, then nearest. Repeat --category, "
                "--language and --payment for several (any of them matches).",
            )
        )
        reindex = verbs.add_parser("reindex", help="rebuild the search index from the records")
        reindex.add_argument("--json", action="store_true", help="print JSON")
        due = verbs.add_parser(
            "verify-due", help="queue listings past their verification period for the maintainer"
        )
        due.add_argument("--json", action="store_true", help="print JSON")
        mapping = verbs.add_parser(
            "map-term", help="search an agency's own taxonomy term as a Crossroads code"
        )
        mapping.add_argument("--agency", required=True, metavar="SHORT_NAME")
        mapping.add_argument("--term", required=True, metavar="ID|CODE", help="the agency's term")
        mapping.add_argument("--category", required=True, metavar="CODE", help="a Crossroads code")
        mapping.add_argument("--json", action="store_true", help="print JSON")

    def _search_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--text", default="", metavar="T", help="words that must all match")
        parser.add_argument("--near", metavar="ZIP|LAT,LON", help="a ZIP code, LAT,LON or address")
        parser.add_argument("--within-km", type=float, metavar="K", help="radius (default 25)")
        parser.add_argument(
            "--category", action="append", default=[], metavar="TERM", help="a category code"
        )
        when = parser.add_mutually_exclusive_group()
        when.add_argument("--open-now", action="store_true", help="open at this moment")
        when.add_argument(
            "--open-at",
            type=_iso_time,
            metavar="ISO-TIME",
            help="open at this time (without an offset: each place's local time)",
        )
        parser.add_argument("--police-drop-off", action="store_true", help="takes police drop-off")
        parser.add_argument("--walk-in", action="store_true", help="no appointment needed")
        parser.add_argument("--age", type=int, metavar="N", help="serves a person of this age")
        parser.add_argument("--language", action="append", default=[], metavar="CODE")
        parser.add_argument("--payment", action="append", default=[], metavar="CODE")
        parser.add_argument("--has-capacity", action="store_true", help="room in a fresh report")
        parser.add_argument("--limit", type=int, default=20, metavar="N", help="results (20)")
        parser.add_argument("--offset", type=int, default=0, metavar="N", help="skip this many")
        parser.add_argument("--json", action="store_true", help="print JSON, as the API answers")

    def handle(self, *args: Any, **options: Any) -> None:
        verbs: dict[str, Callable[[dict[str, Any]], None]] = {
            "search": self.search,
            "reindex": self.reindex,
            "verify-due": self.verify_due,
            "map-term": self.map_term,
        }
        verbs[options["verb"]](options)

    def search(self, options: dict[str, Any]) -> None:
        now = timezone.now()
        try:
            results = search(
                query_from(
                    text=options["text"],
                    near=options["near"],
                    within_km=options["within_km"],
                    categories=tuple(options["category"]),
                    open_now=options["open_now"],
                    open_at=options["open_at"],
                    police_drop_off=options["police_drop_off"],
                    walk_in=options["walk_in"],
                    age=options["age"],
                    languages=tuple(options["language"]),
                    payments=tuple(options["payment"]),
                    has_capacity=options["has_capacity"],
                    limit=options["limit"],
                    offset=options["offset"],
                    now=now,
                ),
                now=now,
            )
        except QueryError as error:
            option = OPTIONS.get(error.field, error.field)
            raise CommandError(f"{option}: {error.reason}", returncode=2) from None
        if options["json"]:
            self.stdout.write(RESULTS.dump_json(results).decode())
        else:
            self._table(results)

    def _table(self, results: SearchResults) -> None:
        for n, hit in enumerate(results.hits, start=1):
            distance = f"{hit.distance_km:6.1f} km" if hit.distance_km is not None else " " * 9
            room = {"open": "room", "full": "full"}.get(hit.capacity_state, "")
            self.stdout.write(f"{n:3}. {distance}  {hit.name} — {hit.organization_name}")
            details = [hit.opening_note, room, hit.address, ", ".join(hit.categories)]
            self.stdout.write(f"     {' · '.join(d for d in details if d)}")
            self.stdout.write(f"     {hit.freshness}; matches: {', '.join(hit.reasons) or '-'}")
        self.stdout.write(f"{len(results.hits)} shown of {results.total} matching")

    def reindex(self, options: dict[str, Any]) -> None:
        entries = actions.search_index_rebuild(by=None)
        if options["json"]:
            self.stdout.write(json.dumps({"entries": entries}))
        else:
            self.stdout.write(f"Search index rebuilt: {entries} entries")

    def verify_due(self, options: dict[str, Any]) -> None:
        # The county's calendar day: a listing falls due at its midnight, not UTC's.
        today = timezone.localtime(timezone=ZoneInfo(settings.DIRECTORY_DEFAULT_TIME_ZONE)).date()
        opened = actions.verification_tasks_open(today=today)
        if options["json"]:
            self.stdout.write(json.dumps({"today": today.isoformat(), "opened": opened}))
        else:
            plural = "" if opened == 1 else "s"
            self.stdout.write(f"{opened} verification task{plural} opened ({today})")

    def map_term(self, options: dict[str, Any]) -> None:
        agency = agency_named(options["agency"])
        term = _term(options["term"])
        try:
            mapping = actions.term_mapping_create(
                by=None, agency=agency, term=term, category=options["category"]
            )
        except ValidationError as error:
            raise CommandError(f"--category: {error.messages[0]}", returncode=2) from None
        if options["json"]:
            self.stdout.write(json.dumps({"term": str(term.pk), "category": mapping.category}))
        else:
            self.stdout.write(f"{term.name} ({term.pk}) is now searched as {mapping.category}")


def _term(given: str) -> TaxonomyTerm:
    """A term by its id, or by its code when exactly one term has that code."""
    try:
        found = list(TaxonomyTerm.objects.filter(pk=uuid.UUID(given)))
    except ValueError:
        found = list(TaxonomyTerm.objects.filter(code=given)[:2])
    if len(found) != 1:
        reason = (
            "no taxonomy term has that id or code"
            if not found
            else "several terms have that code: give the id"
        )
        raise CommandError(f"--term: {given!r}: {reason}", returncode=2)
    return found[0]
