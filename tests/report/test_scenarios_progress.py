"""scenarios.progress: a bar on a terminal, silence off a terminal, items unchanged in both."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.progress import progress, progress_enabled

SCRIPT = (
    "import sys\n"
    "from scenarios.progress import progress\n"
    "items = list(progress(iter(range(40)), total=40, description='walk-forward'))\n"
    "assert items == list(range(40)), items\n"
    "print('sum', sum(items))\n"
)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SCENARIOS_PROGRESS"}
    env.update(TERM="xterm-256color", COLUMNS="100", LINES="30")
    return env


def _read_all(fd: int, proc: subprocess.Popen, timeout: float = 30.0) -> bytes:
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO once the child closed the pty
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    return b"".join(chunks)


def test_terminal_shows_a_bar_on_stderr() -> None:
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=slave, env=_env())
    os.close(slave)
    try:
        err = _read_all(master, proc)
    finally:
        os.close(master)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert out.decode().strip() == "sum 780"           # stdout untouched by the bar
    text = err.decode("utf-8", "replace")
    assert "walk-forward" in text
    assert "40/40" in text and "100%" in text            # the bar reached its end
    assert "\x1b[" in text                               # drawn with terminal control codes


def test_pipe_is_silent() -> None:
    proc = subprocess.run([sys.executable, "-c", SCRIPT], stdin=subprocess.DEVNULL,
                          capture_output=True, env=_env(), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode().strip() == "sum 780"
    assert proc.stderr == b""


def test_env_switches(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty:
        def isatty(self) -> bool:
            return True

    class Closed:
        def isatty(self) -> bool:
            raise ValueError("I/O operation on closed file")

    monkeypatch.delenv("SCENARIOS_PROGRESS", raising=False)
    assert progress_enabled(Tty()) is True
    assert progress_enabled(Closed()) is False
    assert progress_enabled(object()) is False
    monkeypatch.setenv("SCENARIOS_PROGRESS", "0")
    assert progress_enabled(Tty()) is False
    monkeypatch.setenv("SCENARIOS_PROGRESS", "1")
    assert progress_enabled(object()) is True


def test_early_stop_closes_the_bar(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SCENARIOS_PROGRESS", "1")
    gen = progress(range(100), description="draws")
    first = [next(gen) for _ in range(3)]
    gen.close()                                          # like a `break` in a for loop
    assert first == [0, 1, 2]
    err = capsys.readouterr().err
    # an item counts as done when the loop asks for the next one: the third was handed out, not finished
    assert "draws" in err and "2/100" in err and "3/100" not in err
    assert err.rstrip().endswith("\x1b[?25h")          # cursor shown again: the bar was stopped


@settings(deadline=None, max_examples=40)
@given(st.lists(st.integers()), st.booleans())
def test_passthrough_keeps_items_and_order(items: list[int], as_generator: bool) -> None:
    source = iter(items) if as_generator else items
    assert list(progress(source, description="x")) == items
