"""The delivery worker: the only code that sends messages through Slack's Web API.

Every post, update, thread line, DM, Home tab and file Opsbot sends is first written to the
outbox (`bot.services.outbox`) in the transaction of the change that causes it. This worker,
running in every Opsbot process, claims due rows, sends them and records the outcome:

- **Order**: rows of one key go one at a time, oldest first; other keys go in parallel on a
  small thread pool.
- **Pace**: about one message a second per channel, with bursts of a few; a 429's
  `Retry-After` holds that method back for the whole process.
- **Failures**: 5xx, 429, timeouts and connection errors are retried with backoff (at most a
  minute between tries) for over a day; anything else Slack refuses fails at once, with a
  reason admins see in `/ops status`, and the admin who set up a channel Opsbot cannot post
  in is told once.
- **Crash safety**: each post carries its delivery id in Slack message `metadata`. A row
  claimed by a process that died is taken over after the lease: a post found in the
  channel's history is recorded, not sent again; otherwise it is sent (or, for kinds where
  a duplicate is worse than a gap, marked failed for an admin to retry).

Listeners get a client that refuses everything but the calls that must happen in the
request (opening modals with a trigger id, profile and permalink look-ups).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from http.client import HTTPException
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.db import Database, outage_reason
from bot.errors import NotFoundError
from bot.models import UnknownOutcome
from bot.services import outbox
from bot.services.outbox import Claimed, Outcome

log = logging.getLogger(__name__)

METADATA_EVENT = "opsbot_delivery"
TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)
# The calls a listener may make itself: they need the request (a trigger id lives three
# seconds) or only read. Everything else goes through the outbox.
LISTENER_METHODS = frozenset(
    {
        "views.open",
        "views.push",
        "views.update",
        "users.info",
        "usergroups.list",  # `/oncall config usergroup=` checks the group exists
        "chat.getPermalink",
        "auth.test",
    }
)
# Slack's "about one message a second per channel" is for posting; updates, uploads and Home
# tabs have per-method limits only (a 429 from them holds the method back).
PACED_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral"})
BURST = 3
PER_CHANNEL_INTERVAL = 1.0
RECONCILE_EVERY_SECONDS = 5.0
MIN_RATE_LIMIT_WAIT = 1.0
ROUND_GAP_SECONDS = 0.05
HISTORY_LIMIT = 200
FILE_PROCESSING_TRIES = 5  # tries at 1, 2, 4, 8 s: about 15 s for Slack to process an upload


class DirectWebApiCallError(RuntimeError):
    """A listener tried to call the Web API itself instead of writing to the outbox."""


class ListenerWebClient(WebClient):
    """The client Bolt hands to listeners: it refuses every method a listener must not call
    (they go through the outbox), so the rule stays true as the code grows."""

    def api_call(self, api_method: str, **kwargs: Any) -> Any:  # type: ignore[override]
        if api_method not in LISTENER_METHODS:
            raise DirectWebApiCallError(
                f"{api_method} called from a listener; write it to the outbox instead"
            )
        return super().api_call(api_method, **kwargs)


def listener_client(client: WebClient) -> ListenerWebClient:
    """A listener client with the same token, base URL and handlers as `client`."""
    return ListenerWebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=client.headers,
        logger=client.logger,
        retry_handlers=list(client.retry_handlers or []),
    )


Maker = Callable[..., dict[str, Any]]
Recorder = Callable[[Session, dict[str, Any], Outcome], None]
FailureHook = Callable[[Session, Claimed, str], None]


class _Permanent(Exception):
    def __init__(self, error: str, detail: str = "") -> None:
        super().__init__(error)
        self.error = error
        self.detail = detail or error


class _RateLimited(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"rate limited for {seconds}s")
        self.seconds = seconds


class _Transient(Exception):
    def __init__(self, error: str, detail: str) -> None:
        super().__init__(error)
        self.error = error
        self.detail = detail


class _NotYet(Exception):
    """The message this one refers to has not been sent yet."""


class ChannelPacer:
    """A token bucket per channel: `BURST` messages at once, then one every interval."""

    def __init__(self, burst: int = BURST, interval: float = PER_CHANNEL_INTERVAL) -> None:
        self.burst = burst
        self.interval = interval
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, channel: str) -> bool:
        """Spend one of the channel's tokens; False if it has none left now."""
        if self.interval <= 0:
            return True
        now = time.monotonic()
        with self._lock:
            tokens = self._tokens(channel, now)
            self._buckets[channel] = (tokens - 1 if tokens >= 1 else tokens, now)
            return tokens >= 1

    def exhausted(self) -> list[str]:
        """The channels that cannot take a message now (left out of the next claim, so that
        a backlog in one channel does not hold back the others)."""
        now = time.monotonic()
        with self._lock:
            full = [c for c in self._buckets if self._tokens(c, now) >= self.burst]
            for channel in full:  # forget channels that have recovered completely
                del self._buckets[channel]
            return [c for c in self._buckets if self._tokens(c, now) < 1]

    def _tokens(self, channel: str, now: float) -> float:
        tokens, at = self._buckets.get(channel, (float(self.burst), now))
        return min(float(self.burst), tokens + (now - at) / self.interval)


def classify(exc: Exception) -> Exception:
    """A Web API failure as permanent, rate limited or transient."""
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"http_{status}")
        if status == 429:
            retry_after = exc.response.headers.get("Retry-After") or exc.response.headers.get(
                "retry-after"
            )
            try:
                seconds = float(retry_after) if retry_after is not None else 1.0
            except (TypeError, ValueError):
                seconds = 1.0
            return _RateLimited(max(seconds, 0.0))
        if status >= 500 or error in TRANSIENT_ERRORS:
            return _Transient(error, f"Slack answered HTTP {status} ({error})")
        return _Permanent(error, f"Slack answered `{error}`")
    if isinstance(exc, URLError | TimeoutError | ConnectionError | HTTPException | OSError):
        return _Transient("unreachable", f"{type(exc).__name__}: {exc}")
    return _Transient("error", f"{type(exc).__name__}: {exc}")


def make_delivery_client(*, token: str | None, base_url: str) -> WebClient:
    """The worker's own client: no retry handlers, since the outbox retries."""
    return WebClient(token=token, base_url=base_url, timeout=10, retry_handlers=[])


class DeliveryWorker:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        client: WebClient,
        threads: int = 8,
        poll_seconds: float = 0.5,
    ) -> None:
        self.db = db
        self.clock = clock
        self.client = client
        self.threads = threads
        self.poll_seconds = poll_seconds
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.makers: dict[str, Maker] = {}
        self.recorders: dict[str, Recorder] = {}
        self.failure_hooks: list[FailureHook] = []
        self.pacer = ChannelPacer()
        self._held_until: dict[str, float] = {}
        self._claim_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="delivery")
        self._in_flight = 0
        self._idle = threading.Condition()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_reconcile = 0.0
        db.after_commit_hooks.append(self._after_commit)

    # -- wiring ----------------------------------------------------------------------------
    def add_maker(self, name: str, maker: Maker) -> None:
        """`maker(**args)` gives parts of a payload made at send time (a Home tab, a chart)."""
        self.makers[name] = maker

    def add_recorder(self, name: str, recorder: Recorder) -> None:
        """`recorder(session, arg, outcome)` runs in the transaction that records a result."""
        self.recorders[name] = recorder

    def _after_commit(self, session: Session) -> None:
        if session.info.pop("outbox_written", False):
            self._wake.set()

    # -- running ---------------------------------------------------------------------------
    def start(self) -> None:
        """Deliver in a background thread until `stop()`."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="delivery-worker", daemon=True)
        self._thread.start()
        log.info("delivery worker %s started", self.worker_id)

    def stop(self) -> None:
        """Stop the background thread; sends in flight finish and are recorded. `drain()`
        still works afterwards."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        self._wait_in_flight(time.monotonic() + 30)

    def close(self) -> None:
        """Stop for good: the background thread and the sending threads."""
        self.stop()
        self._pool.shutdown(wait=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            waiting = False
            try:
                self._reconcile_now_and_then()
                free = self.threads - self._in_flight
                taken = self._claim(free) if free > 0 else []
                for item in taken:
                    self._submit(item)
                waiting = not taken
            except OperationalError as exc:
                log.warning(
                    "delivery worker could not reach the database (%s); it tries again",
                    outage_reason(exc),
                )
                self._stop.wait(2)
            except Exception:
                log.exception("delivery worker failed a round; trying again")
                self._stop.wait(1)
            if waiting:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
                # Commits come in bursts under load: one claim round serves many of them.
                self._stop.wait(ROUND_GAP_SECONDS)

    def drain(self, timeout: float = 60.0) -> bool:
        """Deliver everything due now, in this thread's control, and return when nothing
        due is left (True), or after `timeout` seconds or when the database cannot be
        reached (False). Tests, the console and CLI commands use it."""
        try:
            return self._drain(time.monotonic() + timeout)
        except OperationalError as exc:
            log.warning(
                "delivery could not reach the database (%s); it tries again", outage_reason(exc)
            )
            return False

    def _drain(self, deadline: float) -> bool:
        self._last_reconcile = 0.0  # a drain first takes over what dead workers left
        while True:
            self._reconcile_now_and_then()
            taken = self._claim(self.threads - self._in_flight)
            for item in taken:
                self._submit(item)
            self._wait_in_flight(deadline)
            if not taken:
                # Under the claim lock, so that a row the background thread claims is either
                # counted in flight or still a head here.
                with self._claim_lock, self.db.session() as session:
                    left = outbox.heads(session, now=self.clock.now(), limit=1, lock=False)
                    busy = self._in_flight
                if not left and not busy:
                    return True
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.02)

    def _submit(self, item: Claimed) -> None:
        self._pool.submit(self._deliver_and_release, item)

    def _deliver_and_release(self, item: Claimed) -> None:
        try:
            self._deliver(item)
        except Exception:
            log.exception("could not record delivery %s", item.id)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()
            self._wake.set()

    def _wait_in_flight(self, deadline: float) -> None:
        with self._idle:
            self._idle.wait_for(lambda: self._in_flight == 0, max(0.0, deadline - time.monotonic()))

    def send_now(self, method: str, payload: dict[str, Any]) -> None:
        """Send one reply without the outbox, for when the database itself is down (the
        error reply that says so). Logged, never raised, if Slack refuses it too."""
        try:
            self.client.api_call(method, json=payload)
        except Exception as exc:
            log.warning("could not send a %s while the database is down: %s", method, exc)

    # -- claiming --------------------------------------------------------------------------
    def _held(self, method: str) -> bool:
        until = self._held_until.get(method)
        return until is not None and time.monotonic() < until

    def _claim(self, slots: int) -> list[Claimed]:
        # SQLite takes one claim at a time (its writes are serialised anyway); PostgreSQL
        # skips rows another worker or instance has locked.
        if slots <= 0:
            return []
        with self._claim_lock:
            with self.db.session() as session:
                now = self.clock.now()
                rows = outbox.heads(
                    session,
                    now=now,
                    limit=max(slots * 4, 20),
                    lock=not self.db.is_sqlite,
                    paced_methods=PACED_METHODS,
                    skip_channels=self.pacer.exhausted(),
                    skip_methods=[m for m in self._held_until if self._held(m)],
                )
                taken: list[Claimed] = []
                for row in rows:
                    if len(taken) >= slots:
                        break
                    if self._held(row.method):
                        continue
                    paced = row.channel_id and row.method in PACED_METHODS
                    if paced and not self.pacer.take(str(row.channel_id)):
                        continue
                    claimed = outbox.claim(session, row=row, worker=self.worker_id, now=now)
                    if claimed is not None:
                        taken.append(claimed)
            # Counted while the lock is held, so a drain never misses a claim in flight.
            with self._idle:
                self._in_flight += len(taken)
            return taken

    # -- sending ---------------------------------------------------------------------------
    def _deliver(self, item: Claimed) -> None:
        with self.db.session() as session:
            if outbox.superseded(session, delivery=item):
                outbox.mark_sent(
                    session, delivery_id=item.id, ts=None, channel=None, now=self.clock.now()
                )
                return
        try:
            ts, channel, permalink = self._send(item)
        except _RateLimited as limited:
            # At least a second, so that a Retry-After of 0 cannot make a busy loop.
            wait = max(limited.seconds, MIN_RATE_LIMIT_WAIT)
            self._held_until[item.method] = time.monotonic() + wait
            with self.db.session() as session:
                outbox.mark_retry(
                    session,
                    delivery=item,
                    error="ratelimited",
                    detail=f"Slack answered 429, Retry-After {limited.seconds:g}s",
                    now=self.clock.now(),
                    wait=timedelta(seconds=wait),
                )
            return
        except _NotYet:
            with self.db.session() as session:
                outbox.release(session, delivery_id=item.id)
            return
        except _Transient as failure:
            self._retry_later(item, failure.error, failure.detail)
            return
        except _Permanent as failure:
            self._fail(item, failure.error, failure.detail)
            return
        self._record_sent(item, ts=ts, channel=channel, permalink=permalink)

    def _record_sent(
        self, item: Claimed, *, ts: str | None, channel: str | None, permalink: str | None
    ) -> None:
        with self.db.session() as session:
            now = self.clock.now()
            outbox.mark_sent(session, delivery_id=item.id, ts=ts, channel=channel, now=now)
            self._record(
                session, item, Outcome(True, now, ts=ts, channel=channel, permalink=permalink)
            )

    def _retry_later(self, item: Claimed, error: str, detail: str) -> None:
        with self.db.session() as session:
            retrying = outbox.mark_retry(
                session, delivery=item, error=error, detail=detail, now=self.clock.now()
            )
            if not retrying:
                log.error("gave up on delivery %s (%s) after a day: %s", item.id, item.key, detail)
                self._record(session, item, Outcome(False, self.clock.now(), error="gave_up"))
        if retrying:
            log.warning("delivery %s (%s) failed, will retry: %s", item.id, item.method, detail)

    def _fail(self, item: Claimed, error: str, detail: str) -> None:
        log.error(
            "delivery %s (%s to %s) failed: %s", item.id, item.method, item.channel_id, detail
        )
        with self.db.session() as session:
            outbox.mark_failed(
                session, delivery_id=item.id, error=error, detail=detail, now=self.clock.now()
            )
            self._record(session, item, Outcome(False, self.clock.now(), error=error))
            for hook in self.failure_hooks:
                hook(session, item, error)

    def _record(self, session: Session, item: Claimed, outcome: Outcome) -> None:
        if item.recorder is None:
            return
        self.recorders[item.recorder](session, item.recorder_arg or {}, outcome)

    def _payload(self, item: Claimed) -> dict[str, Any]:
        """The call's arguments, with references to earlier deliveries resolved and parts
        made now filled in."""
        payload = self._resolved(item)
        make = payload.pop("$make", None)
        if make is not None:
            try:
                payload.update(self.makers[make["name"]](**make.get("args", {})))
            except NotFoundError as gone:
                raise _Permanent("gone", gone.message) from None
        return payload

    def _resolved(self, item: Claimed) -> dict[str, Any]:
        """The payload with `$ts_from`/`$thread_ts_from` replaced by the ts of the earlier
        delivery they name."""
        payload = dict(item.payload)
        for field, target in (("$ts_from", "ts"), ("$thread_ts_from", "thread_ts")):
            reference = payload.pop(field, None)
            if reference is None:
                continue
            with self.db.session() as session:
                earlier = outbox.result_of(session, delivery_id=int(reference))
                state = (earlier.status, earlier.result_ts) if earlier else ("failed", None)
            if state[0] == "sent" and state[1]:
                payload[target] = state[1]
            elif state[0] == "failed":
                raise _Permanent("parent_failed", f"delivery {reference} failed")
            else:
                raise _NotYet()
        return payload

    def _send(self, item: Claimed) -> tuple[str | None, str | None, str | None]:
        """Make the call; returns (ts, channel, permalink) of what was posted."""
        payload = self._payload(item)
        want_permalink = payload.pop("$permalink", False)
        try:
            if item.method == "files.upload":
                # Without a `channel` the file is uploaded and shared nowhere (a private
                # chart); its id is the result, for a message that shows it.
                answer = self.client.files_upload_v2(**payload)
                return str(answer["file"]["id"]), payload.get("channel"), None
            if item.method == "response_url":
                self._respond(payload, attempts=item.attempts)
                return None, None, None
            if item.method == "chat.postMessage":
                payload["metadata"] = {
                    "event_type": METADATA_EVENT,
                    "event_payload": {"delivery_id": item.id},
                }
            answer = self.client.api_call(item.method, json=payload)
            ts = answer.get("ts") or answer.get("message_ts")
            channel = answer.get("channel") if isinstance(answer.get("channel"), str) else None
            permalink = None
            if want_permalink and ts:
                permalink = self._permalink(channel or payload.get("channel"), ts)
            return ts, channel, permalink
        except SlackApiError as exc:
            if item.method == "chat.delete" and exc.response.get("error") == "message_not_found":
                return None, None, None
            raise classify(exc) from exc
        except (_Permanent, _Transient, _RateLimited, _NotYet):
            raise
        except Exception as exc:
            raise classify(exc) from exc

    def _respond(self, payload: dict[str, Any], *, attempts: int) -> None:
        """Post a message to an interaction's `response_url` (an address Slack gave with the
        request, valid 30 minutes and 5 posts): how a reply only its caller sees is sent or
        replaced later."""
        url = str(payload.pop("response_url"))
        shows_file = '"slack_file"' in json.dumps(payload.get("blocks") or [])
        answer = WebhookClient(url=url, timeout=10).send_dict(payload)
        status = answer.status_code
        if status == 200:
            return
        body = (answer.body or "").strip()
        with contextlib.suppress(ValueError, AttributeError):  # plain text, or JSON with `error`
            body = str(json.loads(body).get("error") or body)
        error = body[:64] or f"http_{status}"
        if status == 429:
            raise _RateLimited(float(answer.headers.get("Retry-After") or 1))
        if status >= 500:
            raise _Transient(error, f"the response_url answered HTTP {status} ({error})")
        if error == "invalid_blocks" and shows_file and attempts < FILE_PROCESSING_TRIES:
            # Slack finishes an upload asynchronously; an image of a file uploaded a moment
            # ago can be refused as an invalid slack_file until it is processed.
            raise _Transient("file_not_ready", "Slack has not finished processing the image")
        raise _Permanent(error, f"the response_url answered HTTP {status} ({error})")

    def _permalink(self, channel: str | None, ts: str) -> str | None:
        try:
            answer = self.client.chat_getPermalink(channel=channel, message_ts=ts)
        except Exception as exc:  # the post went out; a missing link only loses a shortcut
            log.warning("no permalink for %s in %s: %s", ts, channel, exc)
            return None
        return answer.get("permalink")

    def user_name(self, user_id: str) -> str | None:
        """A person's name for text read outside Slack (a report's CSV and PDF), or None."""
        try:
            user = self.client.users_info(user=user_id).get("user") or {}
        except Exception as exc:  # the report still names the person by their id
            log.warning("no name for user %s: %s", user_id, exc)
            return None
        return user.get("real_name") or user.get("name") or None

    def channel_name(self, channel_id: str) -> str | None:
        """A channel's name for text read outside Slack (a report's CSV and PDF), or None
        when Slack will not say (a private channel Opsbot is not in, a missing scope)."""
        try:
            answer = self.client.conversations_info(channel=channel_id)
        except Exception as exc:  # the report still names the channel by its id
            log.warning("no name for channel %s: %s", channel_id, exc)
            return None
        return (answer.get("channel") or {}).get("name") or None

    # -- after a crash ---------------------------------------------------------------------
    def _reconcile_now_and_then(self) -> None:
        if time.monotonic() - self._last_reconcile < RECONCILE_EVERY_SECONDS:
            return
        self._last_reconcile = time.monotonic()
        with self.db.session() as session:
            now = self.clock.now()
            taken = [
                claimed
                for row in outbox.abandoned(session, now=now)
                if (claimed := outbox.take_over(session, row=row, worker=self.worker_id, now=now))
            ]
        for item in taken:
            self._reconcile(item)

    def _reconcile(self, item: Claimed) -> None:
        """A row whose sender died: find out whether it reached Slack before sending again."""
        if item.method != "chat.postMessage":
            if item.method == "files.upload" and item.on_unknown == UnknownOutcome.FAIL:
                self._fail(item, "interrupted", "the sender stopped mid-upload")
                return
            log.warning("delivery %s was interrupted; sending it again", item.id)
            self._deliver(item)
            return
        try:
            found = self._find_posted(item)
        except Exception as exc:
            log.warning("could not look for delivery %s in Slack: %s", item.id, exc)
            if item.on_unknown == UnknownOutcome.FAIL:
                self._fail(item, "interrupted", f"could not check Slack's history: {exc}")
                return
            found = None
        if found is None:
            log.warning("delivery %s was interrupted before Slack had it; sending it", item.id)
            self._deliver(item)
            return
        ts, channel = found
        log.info("delivery %s had reached Slack before its sender stopped; recorded", item.id)
        permalink = self._permalink(channel, ts) if item.payload.get("$permalink") else None
        self._record_sent(item, ts=ts, channel=channel, permalink=permalink)

    def _find_posted(self, item: Claimed) -> tuple[str, str] | None:
        """(ts, channel) of the message carrying this delivery's id, if Slack has it."""
        payload = self._resolved(item)  # where it went; no need to make its content again
        channel = str(payload.get("channel") or "")
        if channel.startswith(("U", "W")):
            channel = self.client.conversations_open(users=channel)["channel"]["id"]
        if payload.get("thread_ts"):
            answer = self.client.conversations_replies(
                channel=channel,
                ts=payload["thread_ts"],
                include_all_metadata=True,
                limit=HISTORY_LIMIT,
            )
        else:
            answer = self.client.conversations_history(
                channel=channel, include_all_metadata=True, limit=HISTORY_LIMIT
            )
        for message in answer.get("messages") or []:
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == METADATA_EVENT
                and (metadata.get("event_payload") or {}).get("delivery_id") == item.id
            ):
                return str(message["ts"]), channel
        return None
