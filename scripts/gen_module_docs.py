"""Regenerate the module map in docs/architecture.md from the code and the layers contract.

Usage: ``python scripts/gen_module_docs.py`` (``--check``: exit 1 when the file is stale).
The text between the two ``modules`` markers lists, floor by floor as in ``[tool.importlinter]``
of pyproject.toml (top floor first), every module of ``scenarios`` with the first sentence of its
docstring. Modules are read as text (``ast``), not imported.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from _generated_block import main as generated_main  # noqa: E402
from _generated_block import replace_block  # noqa: E402

DOC = ROOT / "docs" / "architecture.md"
BEGIN = "<!-- modules: generated from the code by scripts/gen_module_docs.py -->"
END = "<!-- end of generated modules -->"


def layers() -> list[list[str]]:
    """The floors of the layers contract, top first; each a list of sibling modules."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "layers")
    return [[m.strip() for m in layer.split("|")] for layer in contract["layers"]]


def _summary(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    para = " ".join(doc.strip().split("\n\n", 1)[0].split())
    m = re.match(r"(.+?\.)(\s|$)", para)
    text = (m.group(1) if m else para).rstrip(".:; ")
    if len(text) > 160:
        text = text[:157].rsplit(" ", 1)[0] + " ..."
    if not text:
        return "(no docstring)"
    return text if text.endswith("...") else text + "."


def _files(module: str) -> list[Path]:
    base = ROOT.joinpath(*module.split("."))
    if base.is_dir():
        return sorted(base.rglob("*.py"), key=lambda p: (p.parent != base, str(p)))
    path = base.with_suffix(".py")
    return [path] if path.exists() else []


def module_map() -> str:
    """The generated Markdown: one section per floor, one line per module."""
    out: list[str] = []
    floors = layers()
    for n, floor in enumerate(floors):
        names = [m for m in floor if m.startswith("scenarios")]
        if not names:
            out.append(f"**Floor {len(floors) - n}: `{' | '.join(floor)}`** (a separate package; "
                       "see its own docstrings)\n")
            continue
        out.append(f"**Floor {len(floors) - n}: `{' | '.join(floor)}`**\n")
        for module in names:
            for path in _files(module):
                rel = path.relative_to(ROOT).as_posix()
                out.append(f"- `{rel}`: {_summary(path)}")
        out.append("")
    return "\n".join(out)


def render(text: str) -> str:
    """``text`` with the generated block replaced by the current module map."""
    return replace_block(text, BEGIN, END, module_map())


def main(argv: list[str]) -> int:
    return generated_main(argv, DOC, render)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
