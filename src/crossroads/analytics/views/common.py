"""What every analytics page does first: find the snapshot, or say how to make one."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def no_snapshot(request: HttpRequest, title: str) -> HttpResponse:
    """The page a user meets before the first refresh: what to run, and who runs it."""
    return render(request, "analytics/no_snapshot.html", {"title": title})
