"""`crossroads demo_totp USERNAME`: the current code of a synthetic demo account's authenticator."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from crossroads.demo.management.commands.demo import refuse_in_production


class Command(BaseCommand):
    help = (
        "Print the current second-factor code of a demo account (synthetic agencies only), "
        "for trying the demo without a phone."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_in_production()
        username = options["username"]
        devices = list(
            TOTPDevice.objects.filter(user__username=username).select_related("user__agency")
        )
        if not devices:
            raise CommandError(
                f"{username}: no authenticator yet; sign in once to set one up.", returncode=2
            )
        if not devices[0].user.agency.is_synthetic:
            raise CommandError(
                "Only accounts of the synthetic demo county have printable codes.", returncode=2
            )
        # A confirmed device signs in; an unconfirmed one is an enrolment under way.
        codes = {("sign_in" if d.confirmed else "enrolment"): _code(d) for d in devices}
        if options["json"]:
            self.stdout.write(json.dumps({"username": username, **codes}))
        else:
            self.stdout.write(
                "\n".join(
                    f"{purpose.replace('_', '-')}: {code}"
                    for purpose, code in sorted(codes.items(), reverse=True)
                )
            )


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"
