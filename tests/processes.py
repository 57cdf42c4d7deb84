"""Test helpers that run Strikewatch the way the README does: as its own process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

# Settings a developer may have exported; tests set their own.
_OURS = (
    "DATABASE_",
    "NHS_",
    "HTTP_",
    "MAX_",
    "DISCORD_",
    "DEV_GUILD",
    "OWNER_",
    "POLL_",
    "WORKBOOK_",
    "LOG_",
    "METRICS_",
    "SHARD_",
)


def wait_until(read: Callable[[], T], what: str, timeout: float, interval: float = 0.05) -> T:
    """Read every `interval` s until the reading is truthy; fail naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not (value := read()):
        if time.monotonic() > deadline:
            raise AssertionError(f"after {timeout} s still waiting for {what}")
        time.sleep(interval)
    return value


def clean_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_OURS)}
    env.update({"HTTP_BACKOFF_SECONDS": "0.05", "HTTP_DEADLINE_SECONDS": "5"})
    env.update({k: str(v) for k, v in settings.items()})
    return env


def strikewatch(
    env: dict[str, str], *args: str, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )


class BotProcess:
    """`strikewatch run` in the background, its log in a file; stopped with SIGTERM like a service."""

    def __init__(
        self, env: dict[str, str], log: Path, cwd: Path | None = None, argv: list[str] | None = None
    ) -> None:
        self.env, self.log_path, self.cwd = env, log, cwd
        self.argv = argv or [sys.executable, "-m", "bot", "run"]
        self.process: subprocess.Popen | None = None

    def start(self) -> BotProcess:
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.argv,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=self.cwd,
        )
        return self

    def stop(self, timeout: float = 15) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.process.returncode

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()
        self._log.close()

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, text: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log:
                return
            if self.process and self.process.poll() is not None:
                raise AssertionError(
                    f"bot exited ({self.process.returncode}) before {text!r}:\n{self.log}"
                )
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not in the bot's log after {timeout} s:\n{self.log}")
