"""Plumbing for the SDK conformance suite: the check runner, the daemon under test,
a transport that records what the SDK puts on the wire, and a raw SSE reader.

Nothing here knows which checks exist; conformance.py holds them.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

import httpx

# The admin token run.sh starts the daemon with (SPL_BOOTSTRAP_TOKEN); every request sends it.
TOKEN = os.environ["SPL_BOOTSTRAP_TOKEN"]


class CheckFailed(Exception):
    """A check's expectation did not hold; the message is the reason printed after ✗."""


def expect(condition: bool, reason: str) -> None:
    if not condition:
        raise CheckFailed(reason)


def short(value: Any, limit: int = 300) -> str:
    """A value for a failure reason: JSON when possible, cut to `limit` characters."""
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass
class Suite:
    """Runs checks one after the other, each under its own timeout, and prints one line per check.

    A check is an async callable that returns normally to pass, or raises (CheckFailed with the
    reason, or anything else, which is reported with its type) to fail. A timeout fails the check
    instead of hanging the suite: a missing feature must never stall CI.
    """

    passed: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)

    async def run(self, name: str, check: Callable[[], Awaitable[None]], timeout: float = 15.0) -> bool:
        try:
            await asyncio.wait_for(check(), timeout)
        except CheckFailed as failure:
            return self._fail(name, str(failure))
        except asyncio.TimeoutError:
            return self._fail(name, f"no answer within {timeout:g} s")
        except Exception as error:  # noqa: BLE001 - any crash inside a check is that check's failure
            where = traceback.extract_tb(error.__traceback__)[-1]
            return self._fail(name, f"{type(error).__name__}: {error} (at {os.path.basename(where.filename)}:{where.lineno})")
        self.passed += 1
        print(f"✓ {name}", flush=True)
        return True

    def _fail(self, name: str, reason: str) -> bool:
        self.failed.append((name, reason))
        print(f"✗ {name}: {reason}", flush=True)
        return False

    def summary(self) -> str:
        return f"{self.passed} passed, {len(self.failed)} failed"


@dataclass
class Daemon:
    """The daemon under test: run.sh started it; the suite stops and restarts it once.

    `spl` runs with the caller's environment, which run.sh set to the scratch home
    (SYNCROPEL_HOME) and scratch HOME.
    """

    spl: str
    port: int

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.spl, "stop"], capture_output=True, text=True, timeout=40)

    def start(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.spl, "serve", "--daemon", "--port", str(self.port)],
                              capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)

    def wait_healthy(self, timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.endpoint + "/health", timeout=2.0).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        return False


class RecordingTransport(httpx.AsyncBaseTransport):
    """Forwards to a real transport and keeps the JSON body and answer status of every POST the
    SDK sends, so a check can compare the SDK's wire envelope with a golden one when an id differs,
    and see the status the SDK does not report (it takes any 2xx as success)."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.posted: list[Any] = []
        self.statuses: list[int] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "POST":
            return await self._inner.handle_async_request(request)
        body = await request.aread()
        try:
            self.posted.append(json.loads(body))
        except ValueError:
            self.posted.append(body)
        response = await self._inner.handle_async_request(request)
        self.statuses.append(response.status_code)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


@dataclass
class SSEFrame:
    event: str | None
    id: str | None
    data: str


async def read_sse(url: str, headers: dict[str, str], frames_wanted: int, timeout: float,
                   skip_events: frozenset[str] = frozenset({"heartbeat"})) -> tuple[int, str, list[SSEFrame]]:
    """Opens an SSE stream with plain httpx (not the SDK) and returns (status, content type,
    frames) once `frames_wanted` frames whose event is not in `skip_events` arrived, or the
    timeout passed, or the stream ended. Frames are split on blank lines as SSE says."""
    frames: list[SSEFrame] = []
    status, content_type = 0, ""

    async def consume() -> None:
        nonlocal status, content_type
        async with httpx.AsyncClient(timeout=httpx.Timeout(timeout)) as http:
            async with http.stream("GET", url, headers=headers) as response:
                status = response.status_code
                content_type = response.headers.get("content-type", "")
                if status >= 400:
                    await response.aread()
                    return
                buffer = ""
                async for chunk in response.aiter_text():
                    buffer += chunk.replace("\r\n", "\n")
                    while "\n\n" in buffer:
                        text, buffer = buffer.split("\n\n", 1)
                        frame = parse_frame(text)
                        if frame is None or frame.event in skip_events:
                            continue
                        frames.append(frame)
                        if len(frames) >= frames_wanted:
                            return

    try:
        await asyncio.wait_for(consume(), timeout)
    except (asyncio.TimeoutError, httpx.HTTPError):
        pass
    return status, content_type, frames


def parse_frame(text: str) -> SSEFrame | None:
    event, event_id, data = None, None, []
    for line in text.split("\n"):
        if not line or line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            event = value
        elif name == "id":
            event_id = value
        elif name == "data":
            data.append(value)
    if event is None and event_id is None and not data:
        return None
    return SSEFrame(event, event_id, "\n".join(data))
