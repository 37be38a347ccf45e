"""A wheel (`pip install .`, as a Procfile deploy does) carries the pages, scripts and catalogues.

The checkout serves web/ and static/ from the top level; the package reaches them through
the links hub/web and hub/static, which the wheel turns into real folders.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def files_under(folder: Path, pattern: str = "*") -> set[str]:
    return {str(p.relative_to(ROOT)) for p in folder.rglob(pattern) if p.is_file()}


def test_the_wheel_carries_every_template_script_style_and_catalogue(tmp_path: Path) -> None:
    src = tmp_path / "src"  # a copy, so the build leaves nothing in the checkout
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in ("hub", "worker", "web", "static"):
        shutil.copytree(ROOT / name, src / name, symlinks=True, ignore=skip)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            str(src),
            "-w",
            str(tmp_path / "dist"),
        ],
        check=True,
        timeout=300,
        capture_output=True,
    )
    [wheel] = (tmp_path / "dist").glob("sos_hub-*.whl")
    packed = set(zipfile.ZipFile(wheel).namelist())

    pages = files_under(ROOT / "web")
    assets = files_under(ROOT / "static")
    catalogues = files_under(ROOT / "hub" / "locale", "*.po")
    assert pages and assets and len(catalogues) >= 2  # es and en at least
    missing = {f"hub/{f}" for f in pages | assets} | catalogues
    missing -= packed
    assert not missing, f"not in the wheel: {sorted(missing)}"
    assert "hub/static/vendor/socket.io.min.js" in packed
    fonts = files_under(ROOT / "hub" / "printables" / "fonts")  # the printables' typeface
    assert fonts and fonts <= packed and "hub/printables/render.py" in packed
    assert "hub/tickets/wordlists/" in "".join(sorted(packed))  # the filter word lists
