"""The walls of DESIGN.md inside ``src/cgov``, each a test. Imports are read with ``ast`` (every import
statement, also those inside functions) and followed through the package: a module's walls hold for
everything it imports from ``cgov``, directly or through other ``cgov`` modules. Importing ``cgov.a.b``
also counts ``cgov.a`` (its ``__init__`` runs); the root package ``cgov`` itself is checked at run time
(``test_pipeline_loads_no_plotting_library_when_run``)."""
from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from conftest import ROOT

SRC = ROOT / "src"
PLOTTING = {"matplotlib", "seaborn", "plotly", "bokeh", "altair", "cgov.style"}
#: Libraries that estimate models; the simulator must not use them (nor cgov.models).
ESTIMATORS = {"statsmodels", "linearmodels", "lifelines", "wildboottest", "pyfixest", "sklearn", "cgov.models"}
#: Modules of estimators and analysis functions: DataFrames in, tidy tables out.
ANALYSIS = ("cgov.models", "cgov.unit_changes")
#: Ways of running a notebook's code from Python.
NOTEBOOK_IMPORTERS = {"notebooks", "import_ipynb", "nbimporter", "runpy", "nbclient", "papermill"}
#: The root package: ``from cgov import x`` follows ``cgov.x``, not the root's ``__init__``.
ROOT_PACKAGE = "cgov"
#: The one door from the core package to the book's tooling (``cgov <command>`` reaches every tool).
COMMAND_LINE = "cgov.__main__"


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted((SRC / "cgov").rglob("*.py"))}


def _is_package(name: str) -> bool:
    return MODULES.get(name, Path()).name == "__init__.py"


@cache
def imports(name: str) -> frozenset[str]:
    """Every module that ``name`` imports, anywhere in its file: absolute dotted names, with the
    sub-packages whose ``__init__`` the import runs (not the root ``cgov``)."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[name].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import
                package = name if _is_package(name) else name.rpartition(".")[0]
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + [base]).strip(".")
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES}
    parents = {".".join(n.split(".")[:i]) for n in found if n.startswith("cgov.") for i in range(2, n.count(".") + 1)}
    return frozenset(found | parents)


def reach(*names: str) -> set[str]:
    """Everything the modules ``names`` import, following imports through ``cgov`` modules (not through
    the root package's ``__init__``, which every import runs: checked at run time instead)."""
    seen, todo = set(), list(names)
    while todo:
        for imported in imports(todo.pop()):
            if imported not in seen:
                seen.add(imported)
                if imported in MODULES and imported != ROOT_PACKAGE:
                    todo.append(imported)
    return seen


def within(names: set[str], *prefixes: str) -> set[str]:
    """The names that are one of ``prefixes`` or inside it."""
    return {n for n in names if any(n == p or n.startswith(p + ".") for p in prefixes)}


def modules_in(package: str) -> list[str]:
    return [name for name in MODULES if name == package or name.startswith(package + ".")]


def test_the_walls_see_the_package():
    assert {"cgov", "cgov.models", "cgov.pipeline", "cgov.sim", "cgov.report", "cgov.site", "cgov.release"} <= set(MODULES)
    assert "cgov.codebook" in reach("cgov.report") and "cgov.sim" in reach("cgov.sim.world")  # the reader finds what is there


def test_the_import_reader_follows_relative_imports_and_packages(tmp_path, monkeypatch):
    for name, text in {"cgov/__init__.py": "", "cgov/a/__init__.py": "from . import b\n",
                       "cgov/a/b.py": "def f():\n    from ..c import g\n", "cgov/c.py": "import numpy\n"}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.setattr(sys.modules[__name__], "SRC", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "MODULES", {module_name(p): p for p in (tmp_path / "cgov").rglob("*.py")})
    imports.cache_clear()
    try:
        assert reach("cgov.a") == {"cgov.a", "cgov.a.b", "cgov.c", "numpy"}
    finally:
        imports.cache_clear()


@pytest.mark.parametrize("name", [m for package in ANALYSIS for m in modules_in(package)])
def test_models_load_no_data_and_import_nothing_from_the_package(name):
    """Estimators take DataFrames: no cgov import, no reading of files."""
    assert not within(set(imports(name)), "cgov"), f"{name} imports from the package"
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    reads = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call) and (
        (isinstance(node.func, ast.Name) and node.func.id in {"open", "load", "read_table"}) or
        (isinstance(node.func, ast.Attribute) and (node.func.attr.startswith("read_") or
                                                   node.func.attr in {"load", "loadtxt", "open"})))]
    assert not reads, f"{name} reads data at lines {reads}"


def test_pipeline_imports_no_plotting():
    pipeline = ["cgov.pipeline", "cgov.divisions", "cgov.datapackage"]
    assert not within(reach(*pipeline), *PLOTTING)


def test_pipeline_loads_no_plotting_library_when_run():
    """The same wall at run time, package ``__init__`` included."""
    code = ("import sys, cgov.pipeline, cgov.divisions, cgov.datapackage, cgov.data; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in {'matplotlib', 'seaborn', 'plotly'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_simulator_imports_no_estimator():
    """The truth is not computed by the tool under test."""
    assert not within(reach(*modules_in("cgov.sim")), *ESTIMATORS)


def test_report_imports_nothing_from_the_simulator():
    """The survey tool (its benchmark too) validates against the neutral codebook, never the simulator."""
    leaks = within(reach(*modules_in("cgov.report")), "cgov.sim")
    assert not leaks, f"cgov.report reaches {sorted(leaks)}"


def test_nothing_in_src_imports_a_notebook():
    for name in MODULES:
        assert not within(set(imports(name)), *NOTEBOOK_IMPORTERS), f"{name} imports or runs notebooks"


def test_core_package_does_not_import_the_books_tooling():
    """What chapters and users call stands apart from the Sphinx extensions and the release tools;
    only the command line reaches them."""
    core = [name for name in MODULES if not within({name}, "cgov.site", "cgov.release") and name != COMMAND_LINE]
    for name in core:
        leaks = within(reach(name), "cgov.site", "cgov.release")
        assert not leaks, f"{name} reaches {sorted(leaks)}"


def test_tooling_is_not_imported_by_the_report_command():
    """``cgov report`` starts without Sphinx: the command line imports each tool only when it runs."""
    code = "import sys, cgov.__main__; print(sorted(m for m in sys.modules if m.split('.')[0] in {'sphinx', 'docutils'}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
