"""`crossroads audit verify`: walk the hash chain and name any row edited or removed."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crossroads.core import actions
from crossroads.core.models import AuditChainHead


class Command(BaseCommand):
    help = "Work with the audit trail. `verify` exits 1 if the chain is broken."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        verify = sub.add_parser("verify", help="check every row against the hash chain")
        verify.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        length, breaks = actions.audit_chain_verify(by=None)
        head = AuditChainHead.objects.filter(pk=1).first()
        result = {
            "length": length,
            "intact": not breaks,
            "head_hash": head.last_hash if head else None,
            "breaks": [str(b) for b in breaks],
        }
        if options["json"]:
            self.stdout.write(json.dumps(result))
        elif breaks:
            for chain_break in breaks:
                self.stderr.write(str(chain_break))
        else:
            self.stdout.write(f"Audit chain intact: {length} rows; head {result['head_hash']}")
        if breaks:
            raise CommandError(f"audit chain broken in {len(breaks)} place(s)", returncode=1)
