"""Distribution means kept on disk between processes: the same bits, and no scipy on a warm run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.model import distributions as dm
from scenarios.model.distributions import parse_distribution

ROOT = Path(__file__).resolve().parents[2]
finite = st.floats(-50.0, 50.0, allow_nan=False)
positive = st.floats(1e-3, 20.0)


@st.composite
def clipped_laws(draw: Any) -> Any:
    kind = draw(st.sampled_from(["normal", "lognormal", "uniform"]))
    if kind == "normal":
        spec: dict[str, Any] = {"dist": "normal", "mean": draw(finite), "sd": draw(positive)}
    elif kind == "lognormal":
        spec = {"dist": "lognormal", "median": draw(positive), "sigma": draw(st.floats(1e-3, 3.0))}
    else:
        lo = draw(finite)
        spec = {"dist": "uniform", "low": lo, "high": lo + draw(positive)}
    if draw(st.booleans()):
        spec["clip"] = sorted([draw(finite), draw(finite)])
    d = parse_distribution(spec)
    assert d is not None
    return d


def _new_process() -> None:
    """Forget what this process memoised, as a fresh process would."""
    dm._MEANS.clear()
    dm._DISK = None


@settings(max_examples=150, deadline=None)
@given(clipped_laws())
def test_a_stored_mean_reads_back_bit_for_bit_without_recomputing(d: Any) -> None:
    _new_process()
    want = d.expectation()
    assert dm.mean(d).hex() == want.hex()  # computed and stored
    _new_process()
    with patch.object(type(d), "expectation", side_effect=AssertionError("recomputed")):
        assert dm.mean(d).hex() == want.hex()  # read back from the file


def test_a_damaged_file_is_recomputed_and_rewritten() -> None:
    d = parse_distribution({"dist": "normal", "mean": 0.0, "sd": 0.1, "clip": [0.0, 1.0]})
    assert d is not None
    path = dm._means_file()
    assert path is not None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json", encoding="utf-8")
    _new_process()
    assert dm.mean(d) == d.expectation()
    assert json.loads(path.read_text(encoding="utf-8"))[d.model_dump_json()] == d.expectation().hex()
    path.write_text(json.dumps({d.model_dump_json(): "garbage"}), encoding="utf-8")
    _new_process()
    assert dm.mean(d) == d.expectation()


def test_a_second_process_does_not_import_scipy_special() -> None:
    code = ("import sys\n"
            "from scenarios.model.distributions import mean, parse_distribution\n"
            "d = parse_distribution({'dist': 'normal', 'mean': 0.02, 'sd': 0.1, 'clip': [-0.3, 0.3]})\n"
            "print(mean(d).hex(), 'scipy.special' in sys.modules)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first, second = (subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                    check=True).stdout.split() for _ in range(2))
    assert first[1] == "True" and second == [first[0], "False"]


def test_the_means_file_is_keyed_by_the_formulas_source(tmp_path: Path) -> None:
    # a changed formula (e.g. the triangular fix of a subnormal mode) must never read a mean that
    # the old formula stored: the file name carries a hash of the module's source
    import hashlib

    code = hashlib.blake2b(Path(dm.__file__).read_bytes(), digest_size=6).hexdigest()
    with patch.dict(os.environ, {"SCENARIOS_HOME": str(tmp_path)}):
        path = dm._means_file()
    assert path is not None and path.parent == tmp_path / "means"
    assert f"-code{code}" in path.name
