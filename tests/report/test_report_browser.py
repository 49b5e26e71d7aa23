"""The report in a real browser: headless Chromium loads the file offline, renders the charts,
and logs no console errors. Needs the Debian package ``chromium`` (scripts/install-browser.sh)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from scenarios.report.model import ReportView

pytestmark = [pytest.mark.browser, pytest.mark.snapshot]

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic", "--disable-dev-shm-usage",
         "--host-resolver-rules=MAP * ~NOTFOUND",     # any network fetch would fail and be logged
         "--enable-logging=stderr", "--v=0"]


@pytest.fixture(scope="module")
def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    message = ("headless Chromium is not installed (Debian package 'chromium'); "
               "run: bash scripts/install-browser.sh")
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _run(chromium: str, tmp: Path, html: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    cmd = [chromium, *FLAGS, f"--user-data-dir={profile}", *extra, html.resolve().as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"chromium failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
    return proc


def _console_errors(stderr: str) -> list[str]:
    # page-level problems only (chromium's own dbus/gpu chatter on stderr is not the page's)
    bad = ("Uncaught", "ERROR:CONSOLE", ":CONSOLE(", "Failed to load resource")
    return [line for line in stderr.splitlines() if any(b in line for b in bad)]


@pytest.fixture(scope="module")
def report_file(full_html: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("browser") / "report.html"
    path.write_text(full_html, encoding="utf-8")
    return path


def test_screenshot_shows_rendered_charts(chromium: str, report_file: Path, tmp_path: Path) -> None:
    from PIL import Image

    shot = tmp_path / "shot.png"
    proc = _run(chromium, tmp_path, report_file, f"--screenshot={shot}", "--window-size=1280,2400",
                "--hide-scrollbars")
    assert not _console_errors(proc.stderr), _console_errors(proc.stderr)
    with Image.open(shot) as im:
        assert im.size == (1280, 2400)
        rgb = np.asarray(im.convert("RGB")).astype(int)
    # not a blank page: plenty of non-background pixels and many distinct colours
    background = (np.abs(rgb - 255).sum(axis=2) < 12) | (np.abs(rgb - [245, 247, 250]).sum(axis=2) < 8)
    assert (~background).mean() > 0.15
    assert len(np.unique(rgb.reshape(-1, 3)[::7], axis=0)) > 200
    # the CSS applied: the dark header band spans the top of the page
    header = rgb[5:60, 100:1180]
    assert (np.abs(header - [16, 42, 67]).sum(axis=2) < 20).mean() > 0.8
    # the charts drew: realized paths (orange) and forecast fans (blue) are on screen
    orange = (np.abs(rgb - [213, 94, 0]).sum(axis=2) < 60).sum()
    blue = (np.abs(rgb - [47, 111, 176]).sum(axis=2) < 60).sum()
    assert orange > 500 and blue > 500, (orange, blue)


def test_dom_after_load_has_every_chart(chromium: str, report_file: Path, tmp_path: Path,
                                        full_view: ReportView) -> None:
    from scenarios.report import chart_specs

    proc = _run(chromium, tmp_path, report_file, "--dump-dom", "--virtual-time-budget=2000")
    assert not _console_errors(proc.stderr), _console_errors(proc.stderr)
    dom = proc.stdout
    charts = re.findall(r'<svg[^>]*data-chart="([^"]+)"', dom)
    assert charts == [s.id for s in chart_specs(full_view)]
    for sid in ("inputs", "forecast", "scatter", "index", "decomposition", "track"):
        assert re.search(rf'<section[^>]*id="{sid}"', dom), sid
    # the SVGs carry their drawing (paths and text), not empty shells
    assert dom.count("<path") > 200 and "Predicted vs realized return" in dom


def test_the_console_check_catches_a_broken_page(chromium: str, tmp_path: Path) -> None:
    """Negative control: a page that throws is flagged by the same log scan."""
    bad = tmp_path / "bad.html"
    bad.write_text('<html><body><svg></svg><script>throw new Error("boom")</script></body></html>',
                   encoding="utf-8")
    proc = _run(chromium, tmp_path, bad, "--dump-dom")
    assert any("boom" in line for line in _console_errors(proc.stderr))
