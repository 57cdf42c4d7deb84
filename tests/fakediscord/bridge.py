"""The fake's one lock, the background loop it serves from, and waits that cross between them."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any


async def poll_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.005):  # noqa: ASYNC109 - mirrors the sync wait_* API
    """Async polling helper that never blocks the running loop."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(interval)


class Bridge:
    """Runs the fake's event loop in a daemon thread and lets test code reach it.

    Test threads call ``call``/``wait``; coroutines on another loop (an in-process bot) use
    ``acall``/``wait_async`` so that their loop keeps running while they wait.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread: threading.Thread | None = None

    def start(
        self,
        startup: Callable[[], Awaitable[None]],
        shutdown: Callable[[], Awaitable[None]],
    ) -> None:
        """Run ``startup`` on a new loop in a new thread and wait (10 s at most) until it is done;
        ``shutdown`` runs on that loop once ``stop`` ends it."""
        started = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()
        self.loop = loop

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(startup())
            except BaseException as exc:  # noqa: BLE001 - reported to the starting thread
                failure.append(exc)
                started.set()
                return
            started.set()
            loop.run_forever()
            try:
                loop.run_until_complete(shutdown())
            finally:
                loop.close()

        self.thread = threading.Thread(target=run, name="FakeDiscord", daemon=True)
        self.thread.start()
        started.wait(10)
        if failure:
            raise RuntimeError("FakeDiscord failed to start") from failure[0]

    def stop(self) -> None:
        thread, loop = self.thread, self.loop
        if thread is None or loop is None:
            return
        if loop.is_running():
            loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self.thread = None

    def on_loop_thread(self) -> bool:
        return self.thread is not None and threading.get_ident() == self.thread.ident

    def call(self, coro: Awaitable[Any], timeout: float | None = None) -> Any:
        """Run ``coro`` on the fake's loop and block this thread for its result."""
        if self.loop is None or self.thread is None:
            raise RuntimeError("FakeDiscord is not started")
        if self.on_loop_thread():
            raise RuntimeError("sync FakeDiscord API called from the fake's own loop")
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)  # type: ignore[arg-type]
        return future.result(timeout)

    async def acall(self, coro: Awaitable[Any]) -> Any:
        """Run ``coro`` on the fake's loop and await its result from another loop."""
        if self.loop is None:
            raise RuntimeError("FakeDiscord is not started")
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)  # type: ignore[arg-type]
        return await asyncio.wrap_future(future)

    def wait(self, predicate: Callable[[], bool], timeout: float, describe=None) -> None:
        """Block until ``predicate()`` (evaluated under the lock) is true."""
        if self.on_loop_thread():
            raise RuntimeError("cannot block the fake's own loop")
        with self.cond:
            if not self.cond.wait_for(predicate, timeout):
                what = describe() if describe else getattr(predicate, "__name__", "condition")
                raise TimeoutError(f"FakeDiscord: timed out after {timeout}s waiting for {what}")

    async def wait_async(
        self,
        predicate: Callable[[], bool],
        timeout: float,  # noqa: ASYNC109 - mirrors the sync wait_* API
        describe=None,
    ) -> None:
        """Like ``wait``, but polls so that the calling loop keeps running."""

        def locked() -> bool:
            with self.lock:
                return predicate()

        if not await poll_until(locked, timeout):
            what = describe() if describe else getattr(predicate, "__name__", "condition")
            raise TimeoutError(f"FakeDiscord: timed out after {timeout}s waiting for {what}")
