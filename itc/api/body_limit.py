"""Request bodies over the configured size are refused (413) before anything reads them.

The ASGI middleware sits in front of routing, parsing and authentication: FastAPI reads a
body before it runs the route's dependencies, so without it one unauthenticated request
could make the server buffer and parse any amount of data. A declared `Content-Length`
over the limit is refused at once, unread; a streamed body (chunked, no length) is
counted as it arrives and refused as soon as it passes the limit.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from itc.api.errors import BodyTooLarge, problem_response


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is None:
            await _refuse(400, "The Content-Length header is not a number.", scope, receive, send)
            return
        if declared > self.max_bytes:
            await _refuse(413, str(BodyTooLarge(self.max_bytes).detail), scope, receive, send)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge as error:
            # Normally answered inside the app; this catches a reader outside FastAPI's handlers.
            if not started:
                await problem_response(413, str(error.detail), [])(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    """The declared length; 0 when none is declared (a streamed body is counted instead)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                return None
            return length if length >= 0 else None
    return 0


async def _refuse(status: int, message: str, scope: Scope, receive: Receive, send: Send) -> None:
    response = problem_response(status, message, [])
    # The unread body is left on the connection: close it after this answer.
    response.headers["Connection"] = "close"
    await response(scope, receive, send)
