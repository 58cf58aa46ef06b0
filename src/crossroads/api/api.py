"""The versioned JSON API: assembles each app's router; every error is RFC 9457 problem+json."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestValidationError

from crossroads.api.auth import API_AUTH
from crossroads.consent.api import router as consent_router
from crossroads.core.actions import StaleVersion
from crossroads.core.api import router as core_router
from crossroads.core.problems import problem_response
from crossroads.directory.api import router as directory_router
from crossroads.directory.hsds_api import router as hsds_router
from crossroads.directory.search_api import router as directory_search_router
from crossroads.encounters.api import router as calls_router
from crossroads.people.api import router as people_router
from crossroads.programs.api import router as programs_router
from crossroads.referrals.api import router as referrals_router
from crossroads.training.api import router as training_router

api = NinjaAPI(
    title="Crossroads API",
    version="1",
    description=(
        "Crisis-response coordination for police, behavioural-health providers and community "
        "organisations. Authenticate with a personal token (`Authorization: Bearer cr_…`). "
        "Every POST accepts an `Idempotency-Key`; errors are `application/problem+json`."
    ),
    urls_namespace="api-v1",
    auth=API_AUTH,
)
api.add_router("/", core_router)
api.add_router("/", calls_router)
api.add_router("/", directory_router)
api.add_router("/", directory_search_router)
api.add_router("/", hsds_router)
api.add_router("/", consent_router)
api.add_router("/", referrals_router)
api.add_router("/", programs_router)
api.add_router("/", people_router)
api.add_router("/", training_router)


def _field_name(location: tuple[Any, ...]) -> str:
    # ninja reports ("body", "payload", "username"); people need the field: "username".
    parts = [str(p) for p in location if p not in {"body", "payload", "query", "path"}]
    return ".".join(parts) or ".".join(str(p) for p in location)


@api.exception_handler(RequestValidationError)
def _invalid_request(request: HttpRequest, exc: RequestValidationError) -> HttpResponse:
    errors = [
        {"field": _field_name(tuple(e.get("loc", ()))), "message": e.get("msg", "invalid")}
        for e in exc.errors
    ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem_response(422, detail=detail, errors=errors)


@api.exception_handler(ValidationError)
def _rejected(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: list[dict[str, str | None]]
    if hasattr(exc, "error_dict"):
        errors = [
            {"field": field, "message": message}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        errors = [{"field": None, "message": message} for message in exc.messages]
    detail = "; ".join(
        f"{e['field']}: {e['message']}" if e["field"] else str(e["message"]) for e in errors
    )
    return problem_response(422, detail=detail, errors=errors)


@api.exception_handler(StaleVersion)
def _stale(request: HttpRequest, exc: StaleVersion) -> HttpResponse:
    return problem_response(409, detail=str(exc))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(
        401,
        detail="Send a valid API token or sign in with both factors.",
        headers={"WWW-Authenticate": 'Bearer realm="crossroads"'},
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(404, detail="Not found.")


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem_response(403, detail=str(exc) or "Not allowed.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem_response(exc.status_code, detail=str(exc))
