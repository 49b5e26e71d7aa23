"""Regenerate the driver reference in docs/scenario-format.md from the driver registry.

Usage: ``python scripts/gen_driver_docs.py`` (``--check``: exit 1 when the file is stale).
The text between the two ``drivers`` markers is :func:`scenarios.model.drivers.reference_markdown`.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from _generated_block import main as generated_main  # noqa: E402
from _generated_block import replace_block  # noqa: E402

from scenarios.model.drivers import reference_markdown  # noqa: E402

DOC = ROOT / "docs" / "scenario-format.md"
BEGIN = "<!-- drivers: generated from scenarios/model/drivers by scripts/gen_driver_docs.py -->"
END = "<!-- end of generated drivers -->"


def render(text: str) -> str:
    """``text`` with the generated block replaced by the registry's reference."""
    return replace_block(text, BEGIN, END, reference_markdown())


def main(argv: list[str]) -> int:
    return generated_main(argv, DOC, render)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
