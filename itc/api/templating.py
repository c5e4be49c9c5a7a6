"""Jinja2 templates shipped in the package (no build step), with the dashboard's filters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from itc.api.formatting import FILTERS

PACKAGE_DIR = Path(__file__).parent
STATIC_DIR = PACKAGE_DIR / "static"

templates = Jinja2Templates(directory=PACKAGE_DIR / "templates")
templates.env.filters.update(FILTERS)
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def render_error(request: Request, status: int, message: str, lines: list[str]) -> HTMLResponse:
    titles = {401: "Sign-in needed", 403: "Not allowed", 404: "Not found", 422: "Not accepted"}
    title = titles.get(status, "Something went wrong" if status >= 500 else "Not accepted")
    principal = getattr(request.state, "principal", None)
    return render(
        request,
        "error.html",
        {"title": title, "status": status, "message": message, "lines": lines, "principal": principal},
        status_code=status,
    )


def render_refresh_error(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "_refresh_error.html", {"status": status, "message": message}, status_code=status)
