"""An offline machine learns it from one DNS lookup of Yahoo's host, not from importing yfinance.

Importing yfinance takes about 0.4 s; a run whose universe has a symbol without a price file (the
HSTECH example's former member 0136.HK) asked Yahoo for it on every run. The lookup runs first
unless yfinance is imported already or a proxy resolves names; its failure is the same
:class:`~scenarios.errors.YahooUnreachableError` the real request would give.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from scenarios.data import yahoo as Y
from scenarios.data.yahoo import YahooSource, check_resolvable, probe_applies
from scenarios.errors import YahooUnreachableError

REPO = Path(__file__).resolve().parents[2]
HSTECH = REPO / "examples" / "hstech_ai_reweight_2025.yaml"


def _proxy_variable(name: str) -> bool:
    return name.lower().endswith("_proxy")


@pytest.fixture
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy variable, in any letter case (the system settings of macOS/Windows are not read here)."""
    for name in [n for n in os.environ if _proxy_variable(n)]:
        monkeypatch.delenv(name)


@pytest.fixture
def no_dns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """getaddrinfo fails as on a machine without a network; returns the hosts asked for."""
    asked: list[str] = []

    def lookup(host: str, *args: object, **kwargs: object) -> list[object]:
        asked.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    return asked


def test_the_probe_steps_aside_for_an_imported_yfinance_or_a_proxy(
        monkeypatch: pytest.MonkeyPatch, no_proxy: None) -> None:
    import yfinance  # noqa: F401 - imported: the probe would save nothing

    assert not probe_applies()
    monkeypatch.delitem(sys.modules, "yfinance")
    assert probe_applies()
    monkeypatch.setenv("Https_Proxy", "http://proxy.example:3128")  # urllib and requests read any case
    assert not probe_applies()
    monkeypatch.delenv("Https_Proxy")
    monkeypatch.setenv("ALL_PROXY", "socks5://proxy.example:1080")
    assert not probe_applies()


def test_an_unresolvable_host_is_unreachable_without_importing_yfinance(
        monkeypatch: pytest.MonkeyPatch, no_proxy: None, no_dns: list[str]) -> None:
    monkeypatch.delitem(sys.modules, "yfinance", raising=False)
    with pytest.raises(YahooUnreachableError) as info:
        YahooSource().get("0136.HK", "2024-01-01", "2024-12-31")
    text = str(info.value)
    assert "Could not resolve host query2.finance.yahoo.com" in text and "0136.HK" in text
    assert "SCENARIOS_PRICES" in text  # the offline alternatives, as for yfinance's own failure
    assert no_dns == [Y.YAHOO_HOST]
    assert "yfinance" not in sys.modules


def test_statements_take_the_same_probe(monkeypatch: pytest.MonkeyPatch, no_proxy: None,
                                        no_dns: list[str]) -> None:
    from scenarios.data.fundamentals.yahoo import YahooFundamentals

    monkeypatch.delitem(sys.modules, "yfinance", raising=False)
    with pytest.raises(YahooUnreachableError, match="Could not resolve host"):
        YahooFundamentals(sleep=lambda s: None).dump("0700.HK")
    assert no_dns == [Y.YAHOO_HOST] and "yfinance" not in sys.modules


def test_a_resolvable_host_or_another_socket_error_leaves_it_to_the_request(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [])
    check_resolvable()  # resolved: nothing to say

    def refused(*a: object, **k: object) -> list[object]:
        raise OSError(101, "Network is unreachable")

    monkeypatch.setattr(socket, "getaddrinfo", refused)
    check_resolvable()  # not a name failure: yfinance's own request decides and says why


def test_a_hung_lookup_is_bounded_by_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    gate = threading.Event()
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: gate.wait(30))
    try:
        with pytest.raises(ConnectionError, match="timed out after 0.05 s"):
            check_resolvable(timeout=0.05)
    finally:
        gate.set()


_RUN = r"""
import io, json, socket, sys, contextlib
if sys.argv[1] == "no-dns":
    def lookup(*a, **k):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    socket.getaddrinfo = lookup
from scenarios.cli.app import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    rc = main(sys.argv[2:])
print(json.dumps({"rc": rc, "out": out.getvalue(), "yfinance": "yfinance" in sys.modules}), file=sys.stderr)
"""


@pytest.mark.snapshot
@pytest.mark.slow
def test_a_run_without_dns_equals_the_declared_offline_run(snapshot_dir: Path, tmp_path: Path) -> None:
    """HSTECH (0136.HK has no price file): same output as SCENARIOS_OFFLINE=1, and no yfinance import."""
    base = {k: v for k, v in os.environ.items() if k != "SCENARIOS_OFFLINE" and not _proxy_variable(k)}
    base.update(SCENARIOS_HOME=str(tmp_path / "home"), SCENARIOS_PRICES=str(snapshot_dir),
                PYTHONPATH=str(REPO), NO_COLOR="1", COLUMNS="200")
    args = ["run", str(HSTECH), "--no-record", "--draws", "500"]

    def run(mode: str, env: dict[str, str]) -> tuple[dict, str]:
        proc = subprocess.run([sys.executable, "-c", _RUN, mode, *args], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=300, check=False)
        lines = proc.stderr.strip().splitlines()
        return json.loads(lines[-1]), "\n".join(lines[:-1])

    run("dns", {**base, "SCENARIOS_OFFLINE": "1"})  # fills the store: both runs below are warm
    found, found_err = run("no-dns", base)
    declared, declared_err = run("dns", {**base, "SCENARIOS_OFFLINE": "1"})
    assert declared["rc"] == found["rc"] == 0
    assert found["out"] == declared["out"] and found_err == declared_err
    assert not found["yfinance"]
