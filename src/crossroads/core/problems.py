"""RFC 9457 problem details, the one shape of every API error."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from django.http import HttpResponse

PROBLEM_TYPE = "application/problem+json"


def problem_body(status: int, *, detail: str = "", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body.update(extra)
    return body


def problem_response(
    status: int, *, detail: str = "", headers: dict[str, str] | None = None, **extra: Any
) -> HttpResponse:
    response = HttpResponse(
        json.dumps(problem_body(status, detail=detail, **extra)),
        status=status,
        content_type=PROBLEM_TYPE,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response
