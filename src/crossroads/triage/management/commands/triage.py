"""`crossroads triage recommend CALL.json`: the recommended response, with its reasons."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from pydantic import ValidationError

from crossroads.triage.rules import CallFacts, Recommendation, recommend, rule_book


class Command(BaseCommand):
    help = "Recommend a response for a call described in a JSON file (fields: docs/triage.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        verb = sub.add_parser("recommend", help="recommend a response for one call")
        verb.add_argument("call", type=Path, help="the call's facts as a JSON object")
        verb.add_argument("--rules", default="default", help="rule book name (default: default)")
        verb.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            book = rule_book(options["rules"])
        except LookupError as error:
            raise CommandError(str(error), returncode=2) from None
        facts = _read_call(options["call"])
        result = recommend(book, facts, book_name=options["rules"])
        self.stdout.write(result.model_dump_json(indent=2) if options["json"] else _text(result))


def _read_call(path: Path) -> CallFacts:
    try:
        text = path.read_text()
    except OSError as error:
        raise CommandError(f"{path}: {error.strerror}", returncode=2) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CommandError(
            f"{path}:{error.lineno}:{error.colno}: not valid JSON ({error.msg})", returncode=2
        ) from None
    try:
        return CallFacts.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(call)'}: {e['msg']}" for e in error.errors()
        )
        raise CommandError(f"{path}: {problems}", returncode=2) from None


def _text(result: Recommendation) -> str:
    lines = [f"Recommended: {result.primary_label}"]
    if result.also:
        lines.append(f"Also send: {', '.join(result.also)}")
    lines.append("Because:")
    lines += [f"  - [{reason.rule}] {reason.text}" for reason in result.reasons]
    lines.append(f"Rules: {result.rule_book} version {result.rule_version}")
    return "\n".join(lines)
