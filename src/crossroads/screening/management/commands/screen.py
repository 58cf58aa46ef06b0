"""`crossroads screen list | score`: the screening instruments and a screen's result.

Answers are given in item order as the respondent's answer values (yes = 1, no = 0; DAST-10
item 3 as answered, before reverse scoring). An empty field is an item not answered or
skipped by the form (C-SSRS items 3-5 after a no to item 2; AUDIT's skips).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crossroads.screening.catalog import SEXES, Instrument, catalog, describe_values
from crossroads.screening.scoring import (
    ScreeningInputError,
    ScreenResult,
    SexRequiredError,
    score,
)


class Command(BaseCommand):
    help = "List the screening instruments, or score one screen. Bad answers exit 2."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        listing = sub.add_parser("list", help="the instruments, their items and cut-offs")
        listing.add_argument("--json", action="store_true", help="print JSON")
        scoring = sub.add_parser("score", help="score one screen")
        scoring.add_argument("instrument", help="an instrument code (see `screen list`)")
        scoring.add_argument(
            "--answers",
            required=True,
            help="answer values in item order, comma-separated; empty for not answered/skipped",
        )
        scoring.add_argument("--sex", choices=SEXES, help="needed by AUDIT-C's cut-off")
        scoring.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verb"] == "list":
            self._list(as_json=options["json"])
        else:
            self._score(
                options["instrument"], options["answers"], options["sex"], as_json=options["json"]
            )

    def _list(self, *, as_json: bool) -> None:
        rows = [_summary(instrument) for instrument in catalog().values()]
        if as_json:
            self.stdout.write(json.dumps(rows))
            return
        for row in rows:
            self.stdout.write(
                f"{row['code']:<15} {row['name']:<17} {row['items']:>2} items  {row['rule']}"
            )

    def _score(self, code: str, raw: str, sex: str | None, *, as_json: bool) -> None:
        instruments = catalog()
        instrument = instruments.get(code)
        if instrument is None:
            raise CommandError(
                f"unknown instrument {code!r}; known: {', '.join(instruments)}", returncode=2
            )
        answers = _parse_answers(raw)
        try:
            result = score(instrument, answers, sex=sex)
        except SexRequiredError:
            raise CommandError(
                f"{instrument.name} needs --sex {'|'.join(SEXES)}", returncode=2
            ) from None
        except ScreeningInputError as error:
            raise CommandError(str(error), returncode=2) from None
        if as_json:
            self.stdout.write(json.dumps(result.as_dict()))
        else:
            self.stdout.write(_human(instrument, result))


def _parse_answers(raw: str) -> list[int | None]:
    answers: list[int | None] = []
    for position, field in enumerate(raw.split(","), start=1):
        text = field.strip()
        if not text:
            answers.append(None)
            continue
        try:
            answers.append(int(text))
        except ValueError:
            raise CommandError(
                f"item {position}: {text!r} is not a whole number", returncode=2
            ) from None
    return answers


def _summary(instrument: Instrument) -> dict[str, Any]:
    if instrument.scoring.method == "rules":
        rule = "rules: " + "; ".join(f"{r.level} if {r.reason}" for r in instrument.rules)
    else:
        plan = instrument.plan
        positive = instrument.positive
        if positive is None or positive.at_least is None:
            by_sex = positive.at_least_by_sex if positive else None
            cut = ", ".join(f">= {v} {k}" for k, v in (by_sex or {}).items())
        else:
            cut = f">= {positive.at_least}"
        bands = ", ".join(f"{b.min}-{b.max} {b.code}" for b in instrument.bands)
        rule = f"sum {plan.min_total}-{plan.max_total}; positive {cut}" + (
            f"; bands {bands}" if bands else ""
        )
    return {
        "code": instrument.code,
        "name": instrument.name,
        "title": instrument.title,
        "version": instrument.version,
        "items": len(instrument.items),
        "answer_values": [
            describe_values(sorted(o.value for o in instrument.options_of(item)))
            for item in instrument.items
        ],
        "rule": rule,
        "incomplete": instrument.incomplete.rule,
        "terms": instrument.terms,
    }


def _human(instrument: Instrument, result: ScreenResult) -> str:
    lines = [f"{instrument.name} ({instrument.title})"]
    if result.total is not None:
        plan = instrument.plan
        prorated = " (prorated)" if result.prorated else ""
        lines.append(f"  total: {result.total} of {plan.max_total}{prorated}")
    if result.band_label is not None:
        lines.append(f"  {'risk' if result.risk else 'result'}: {result.band_label}")
    lines.append(f"  positive: {'yes' if result.positive else 'no'}")
    lines.extend(f"  because: {reason}" for reason in result.reasons)
    lines.extend(f"  CRITICAL {flag.flag}: {flag.message}" for flag in result.critical)
    return "\n".join(lines)
