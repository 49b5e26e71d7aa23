"""scenarios.scheduler: a ``--scheduler`` address is checked as text, then probed, before Dask's Client.

Before, a malformed address was Dask's ValueError (exit 70, "a bug"); a refused port or an unknown
host cost Dask's 20 s connect timeout and lost the reason; a port that accepts but never speaks
hung for ever; an HTTP service (the dashboard's port) made Dask read its reply as a frame length
and raise MemoryError (exit 70). A real scheduler is probed in test_parallel.py (its cluster).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.errors import ScenarioError
from scenarios.parallel import ClusterError, check_parallel, map_tasks
from scenarios.scheduler import PORT_HINT, address_problem, unreachable

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("address, why", [
    ("tcp://127.0.0.1:abc", "invalid literal"), ("tcp://h", "missing port"), ("tcp://:8786", "no host"),
    ("tcp://[::1:8786", "invalid address"), ("tcp://127.0.0.1:99999", "1 to 65535"),
    ("tcp://127.0.0.1:0", "1 to 65535"), ("inproc://x", "unsupported protocol inproc://"),
    ("ucx://127.0.0.1:1", "unsupported protocol ucx://"), ("://", "unsupported protocol"),
])
def test_a_malformed_scheduler_address_is_an_input_error(address: str, why: str) -> None:
    with pytest.raises(ScenarioError, match=why):
        check_parallel(None, address)
    with pytest.raises(ScenarioError, match=why):  # the API's scheduler= takes the same check
        map_tasks(abs, [1], scheduler=address)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40) | st.builds(lambda h, p: f"tcp://{h}:{p}", st.text(max_size=12),
                                         st.integers(-5, 70000)))
def test_any_scheduler_text_is_accepted_or_an_input_error(address: str) -> None:
    why = address_problem(address)
    assert why is None or (isinstance(why, str) and why)
    try:
        check_parallel(None, address)
    except ScenarioError:
        assert why is not None or ("://" not in address and ":" not in address)


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port bound but not listening (held for the test: no other process takes it): refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]


def _listener(reply: bytes | None) -> tuple[socket.socket, int]:
    """A TCP service that answers every connection with ``reply`` (None: never says a word)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            if reply is None:
                held.append(conn)  # accepted, silent
            else:
                conn.recv(64)
                conn.sendall(reply)
                conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return server, server.getsockname()[1]


def test_a_refused_port_is_retried_briefly_then_named(closed_port: int) -> None:
    why = unreachable(f"tcp://127.0.0.1:{closed_port}", wait_refused=0.3)
    assert why == f"nothing listens on 127.0.0.1 port {closed_port}: connection refused (retried for 0.3 s)"
    assert unreachable(f"tls://127.0.0.1:{closed_port}", wait_refused=0) is not None  # TLS runs over TCP


def test_a_scheduler_that_starts_within_the_wait_is_found() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    port = server.getsockname()[1]
    timer = threading.Timer(0.4, server.listen)  # "dask scheduler &" still starting
    timer.start()
    try:
        why = unreachable(f"tcp://127.0.0.1:{port}", wait_refused=5, handshake_timeout=0.3)
    finally:
        timer.join()
        server.close()
    assert why is not None and "refused" not in why  # connected; this listener is no scheduler


def test_an_unknown_host_is_named_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_name(*args: object, **kwargs: object) -> socket.socket:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "create_connection", no_name)
    assert unreachable("tcp://sched.example:8786") == "unknown host 'sched.example': Name or service not known"


def test_a_service_that_does_not_speak_dask_is_named_not_a_memory_error() -> None:
    server, port = _listener(b"HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
    try:
        why = unreachable(f"tcp://127.0.0.1:{port}", handshake_timeout=2)
    finally:
        server.close()
    assert why is not None and "does not speak Dask's protocol" in why and PORT_HINT in why


def test_a_silent_service_is_given_up_on_not_waited_for_for_ever() -> None:
    server, port = _listener(None)
    try:
        why = unreachable(f"tcp://127.0.0.1:{port}", handshake_timeout=0.3)
    finally:
        server.close()
    assert why == ("the service there accepted the connection but did not answer as a Dask scheduler "
                   f"within 0.3 s ({PORT_HINT})")


def test_whatever_dasks_client_raises_is_a_cluster_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import distributed

    import scenarios.scheduler

    def broken(*args: object, **kwargs: object) -> None:
        raise MemoryError("Unable to allocate 3.01 EiB for an array")

    monkeypatch.setattr(scenarios.scheduler, "unreachable", lambda address, **kw: None)
    monkeypatch.setattr(distributed, "Client", broken)
    with pytest.raises(ClusterError, match=r"'tcp://127.0.0.1:8786' \(MemoryError: Unable to allocate"):
        map_tasks(abs, [1], scheduler="tcp://127.0.0.1:8786")


def _cli(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(ROOT), "SCENARIOS_OFFLINE": "1", **env}
    return subprocess.run([sys.executable, "-m", "scenarios", *args], cwd=ROOT, env=full, capture_output=True,
                          text=True, timeout=300, check=False)


@pytest.mark.slow
def test_the_dashboard_port_mix_up_is_exit_1_with_the_hint(snapshot_dir: Path, tmp_path: Path) -> None:
    server, port = _listener(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    try:
        proc = _cli(["run", "examples/tencent_feb_2026.yaml", "--no-record", "--scheduler",
                     f"tcp://127.0.0.1:{port}"], SCENARIOS_PRICES=str(snapshot_dir),
                    SCENARIOS_HOME=str(tmp_path))
    finally:
        server.close()
    assert proc.returncode == 1, proc.stderr
    assert "does not speak Dask's protocol" in proc.stderr and "8787 is its dashboard" in proc.stderr


@pytest.mark.slow
def test_a_broken_dask_configuration_is_an_input_error_not_a_bug(tmp_path: Path) -> None:
    proc = _cli(["run", "examples/tencent_feb_2026.yaml", "--no-record", "--workers", "2"],
                DASK_DISTRIBUTED__COMM__SHARD="xyz", SCENARIOS_HOME=str(tmp_path))
    assert proc.returncode == 2, proc.stderr
    assert "Dask could not start: ValueError" in proc.stderr and "DASK_" in proc.stderr
