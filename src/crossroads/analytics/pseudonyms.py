"""Keyed pseudonyms for the snapshot: HMAC-SHA256 of a record's id under a secret kept outside it.

The same person gets the same key in every refresh (so repeat contacts can be counted) while the
snapshot alone cannot be turned back into a person: without the secret, a pseudonym cannot even be
checked against a guessed id. 64 bits keep joins and windows fast; with a million people a
collision has a probability of about 3e-8.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable

from django.conf import settings


def analytics_key() -> bytes:
    """The secret from CROSSROADS_ANALYTICS_KEY, else the key file, made on first use (mode 600)."""
    if settings.ANALYTICS_KEY:
        return settings.ANALYTICS_KEY.encode()
    path = settings.ANALYTICS_KEY_FILE
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip().encode()


def key_fingerprint(key: bytes) -> str:
    """Names the key in the manifest without revealing it: a refresh under another key would mix
    two sets of pseudonyms, so it is refused unless the whole snapshot is rebuilt."""
    return hmac.new(key, b"crossroads analytics key fingerprint", hashlib.sha256).hexdigest()[:16]


def pseudonym(key: bytes, kind: str, record_id: str) -> int:
    """A signed 64-bit pseudonym of `kind` (person, officer) for a record id in 32-hex form."""
    digest = hmac.new(key, f"{kind}:{record_id}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def pseudonyms(key: bytes, kind: str, record_ids: Iterable[str]) -> dict[str, int]:
    return {record_id: pseudonym(key, kind, record_id) for record_id in set(record_ids)}
