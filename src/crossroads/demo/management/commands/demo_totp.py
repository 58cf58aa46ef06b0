"""`crossroads demo_totp USERNAME`: the current code of a synthetic demo account's authenticator."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = (
        "Print the current second-factor code of a demo account (synthetic agencies only), "
        "for trying the demo without a phone."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        device = (
            TOTPDevice.objects.filter(user__username=options["username"])
            .select_related("user__agency")
            .order_by("confirmed")
            .first()
        )
        if device is None:
            raise CommandError(
                f"{options['username']}: no authenticator yet; sign in once to set one up.",
                returncode=2,
            )
        if not device.user.agency.is_synthetic:
            raise CommandError(
                "Only accounts of the synthetic demo county have printable codes.", returncode=2
            )
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        code = f"{totp.token():0{device.digits}d}"
        self.stdout.write(
            json.dumps({"username": options["username"], "code": code}) if options["json"] else code
        )
