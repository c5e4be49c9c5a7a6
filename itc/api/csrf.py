"""Cross-site request forgery: the dashboard's forms are signed in by cookie, so a page on
another site (or another port of this host, which shares its cookies) could otherwise
send them in a signed-in person's name.

Two checks, both on every unsafe method of the dashboard:
- Origin/Referer (SameOriginWrites): a request whose `Origin` is not this app's own is
  refused; without `Origin`, its `Referer` must be this app's. Requests with neither
  (not sent by a browser page) rely on the token alone.
- A synchronizer token in every form, bound to the session: an HMAC of the signed-in
  person's ID keyed with the session's own secret. A forging page can neither read it nor
  compute it, and it changes at every sign-in (pages/session.py checks it).

The JSON API under /api needs neither: it authenticates only by the `Authorization`
header, which a browser never adds by itself to a cross-site request, and it sends no
CORS headers, so another site's script cannot send one with it.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from itc.api.rate_limit import UNSAFE_METHODS
from itc.api.templating import render_error

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
CROSS_SITE = "Refused: this form was sent from another site. Open the dashboard itself and send it from there."
STALE_FORM = "This form has expired or did not come from the dashboard: reload the page and send it again."


def csrf_token(session_token: str, session_id: str, staff_id: str) -> str:
    return hmac.new(session_token.encode(), f"csrf\x00{session_id}\x00{staff_id}".encode(), hashlib.sha256).hexdigest()


def token_matches(expected: str, presented: str | None) -> bool:
    return presented is not None and hmac.compare_digest(expected.encode(), presented.encode())


def same_origin(connection: HTTPConnection) -> bool:
    """Whether a browser says the request comes from a page of this app.

    Only host and port are compared: behind a TLS-terminating proxy the app sees http while
    the browser's origin says https, and no other site can have this host and port."""
    own = connection.headers.get("host", "").lower()
    origin = connection.headers.get("origin")
    if origin is not None:
        return origin != "null" and urlsplit(origin).netloc.lower() == own
    referer = connection.headers.get("referer")
    if referer is not None:
        return urlsplit(referer).netloc.lower() == own
    return True


class SameOriginWrites:
    def __init__(self, app: ASGIApp, api_prefix: str) -> None:
        self.app = app
        self.api_prefix = api_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in UNSAFE_METHODS
            and not scope["path"].startswith(self.api_prefix)
            and not same_origin(HTTPConnection(scope))
        ):
            await render_error(Request(scope), 403, CROSS_SITE, [])(scope, receive, send)
            return
        await self.app(scope, receive, send)
