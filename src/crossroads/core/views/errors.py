"""Not found: a page for people, a problem body for the API (docs/api.md)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from crossroads.core.problems import problem_response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return problem_response(404, detail="No such route.")
    return render(request, "404.html", status=404)
