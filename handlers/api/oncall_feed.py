"""`GET /oncall/<token>.ics`: the secret iCalendar feed of an on-call schedule's shifts (or
of one person's), made by `opsbot oncall feed`. An unknown or revoked token is a 404, the
same as a path that does not exist, so a guess learns nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Response

from bot.services import oncall_feed

if TYPE_CHECKING:
    from flask import Flask

    from bot.runtime import Runtime


def register(web: Flask, runtime: Runtime) -> None:
    @web.get("/oncall/<token>.ics")
    def oncall_calendar(token: str) -> Response:
        with runtime.db.session() as session:
            feed = oncall_feed.feed_for(session, token=token)
            if feed is None:
                return Response("Not found\n", status=404, mimetype="text/plain")
            body = oncall_feed.calendar(session, feed=feed, now=runtime.clock.now())
        return Response(
            body,
            status=200,
            content_type="text/calendar; charset=utf-8",
            headers={"Cache-Control": "private, max-age=300"},
        )
