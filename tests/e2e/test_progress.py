"""`strikewatch poll` on a terminal shows a progress bar; piped (or under cron) only the summary."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys

from tests.processes import clean_env, strikewatch
from tests.replica.server import NHSReplica
from tests.replica.site import JUNE_2024, OCTOBER_2023, SEPTEMBER_2023, serve, trust_sample

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def on_a_terminal(env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run the command with stdout and stderr on a pseudo-terminal, as a person would."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        env={**env, "COLUMNS": "100", "TERM": "xterm"},
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


def test_poll_shows_progress_on_a_terminal_and_plain_lines_when_piped(tmp_path):
    trusts = trust_sample(10)
    with NHSReplica() as nhs:
        for seed, strike in enumerate((SEPTEMBER_2023, OCTOBER_2023, JUNE_2024), start=1):
            serve(nhs, strike, shape="wide", trusts=trusts, seed=seed)
        env = clean_env(DATABASE_URL=f"sqlite:///{tmp_path / 'a.db'}", NHS_INDEX_URL=nhs.page_url)
        code, shown = on_a_terminal(env, "poll")
        assert code == 0, shown
        assert ANSI.search(shown), shown  # drawn and redrawn in place
        text = ANSI.sub("", shown)
        assert "workbooks" in text and "3/3" in text, text
        frames = [f for f in re.split(r"[\r\n]+", text) if f.startswith("workbooks")]
        assert any(re.search(r"\d{8}\.xlsx", f) for f in frames), frames  # the one being read
        assert not any(" INFO " in f or " WARNING " in f for f in frames), frames  # logs above
        assert text.rstrip().endswith("3 new, 0 revised, 0 unchanged, 0 skipped"), text

        piped = strikewatch(
            clean_env(DATABASE_URL=f"sqlite:///{tmp_path / 'b.db'}", NHS_INDEX_URL=nhs.page_url),
            "poll",
        )
    assert piped.returncode == 0, piped.stderr
    assert not ANSI.search(piped.stdout + piped.stderr)
    assert "workbooks" not in piped.stdout + piped.stderr
    lines = piped.stdout.splitlines()
    assert lines[0].startswith("page ") and lines[-1] == "3 new, 0 revised, 0 unchanged, 0 skipped"
    assert len(lines) == 5  # the page, one line per workbook, the counts
