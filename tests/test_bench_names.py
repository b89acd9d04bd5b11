"""Benchmarks run as scripts (``python bench/x.py``), so ``bench/`` comes first on the import
path: a benchmark named like a top-level package shadows that package for every benchmark that
imports the platform (``bench/proctor.py`` broke them all once)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_no_benchmark_shadows_a_package() -> None:
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")}
    benchmarks = {path.stem for path in (ROOT / "bench").glob("*.py")}
    assert not packages & benchmarks
