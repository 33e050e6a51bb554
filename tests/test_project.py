"""Keep the README, CI and house rules true."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from xmsim.upload.loader import format_table_markdown

README = (ROOT / "README.md").read_text(encoding="utf-8")
APP_COMMAND = "pip install -r requirements.txt && streamlit run app.py"
TEST_COMMAND = "pip install -r requirements.txt -r requirements-test.txt && python -m pytest"


def test_readme_starts_with_the_two_commands():
    blocks = re.findall(r"```bash\n(.*?)\n```", README, flags=re.S)
    assert blocks[:2] == [APP_COMMAND, TEST_COMMAND]
    assert README.index(APP_COMMAND) < README.index("## ")


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert TEST_COMMAND in ci.splitlines()
    assert "apt-get install" in ci and "chromium" in ci
    assert "XMSIM_REQUIRE_SHARED_DATA=1" in ci


def test_readme_format_table_is_the_loaders():
    table = README.split("<!-- format-table:start -->\n")[1].split("<!-- format-table:end -->")[0]
    assert table.strip() == format_table_markdown().strip()


def test_library_never_imports_streamlit_or_quantlib():
    for path in (ROOT / "xmsim").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for n in names:
                root = n.split(".")[0]
                assert root not in ("streamlit", "QuantLib"), f"{path} imports {n}"


# Layers of xmsim, lowest first (ARCHITECTURE.md): a module imports only from its own rank or
# below. ``ui/`` and ``app.py`` sit above all of them and are the only Streamlit importers.
LAYER_RANK = {
    "units": 0, "dates": 0, "cusip": 0, "frozen": 0, "data": 0, "formula": 0, "heap": 0,
    "portfolio": 1, "market": 1, "contracts": 1,
    "upload": 2, "marketdata": 2, "pricing": 2,
    "engines": 3,
    "arrangement": 4,
    "config": 5, "simulate": 5, "scale": 5,
    "whatif": 6, "optimize": 6, "timeline": 6,
    "report": 7,
    "commands": 8, "cli": 9, "__main__": 10,
}  # fmt: skip


def _layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _xmsim_imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module)
            if node.module == "xmsim":
                out |= {f"xmsim.{a.name}" for a in node.names}
    return out


def test_layers_import_only_downwards():
    """pricing never imports engines; engines never the arrangement, report, commands or ui."""
    for path in sorted((ROOT / "xmsim").rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        own = _layer_of(".".join(rel.parts))
        if own in ("", "__init__"):
            continue  # xmsim/__init__.py re-exports the public API lazily
        assert own in LAYER_RANK, f"{path}: give its layer a rank in LAYER_RANK"
        for name in _xmsim_imports(path):
            if not name.startswith("xmsim.") and name != "xmsim":
                assert name.split(".")[0] not in ("streamlit", "ui"), f"{path} imports {name}"
                continue
            other = _layer_of(name)
            if other in ("", own):
                continue
            assert LAYER_RANK[other] <= LAYER_RANK[own], f"{path} ({own}) imports {name} ({other})"


def test_plotly_is_imported_only_by_report_figures():
    figures = {"xmsim/report/figures.py", "xmsim/report/figures_history.py"}
    for path in (ROOT / "xmsim").rglob("*.py"):
        if path.relative_to(ROOT).as_posix() in figures:
            continue
        assert "import plotly" not in path.read_text(encoding="utf-8"), path


def test_requirements_hold_the_runtime_dependencies():
    req = (ROOT / "requirements.txt").read_text(encoding="utf-8").lower()
    for pkg in ("numpy", "scipy", "pandas", "plotly", "streamlit", "openpyxl", "holidays"):
        assert pkg in req
    test_req = (ROOT / "requirements-test.txt").read_text(encoding="utf-8")
    for pkg in ("pytest", "hypothesis", "QuantLib", "playwright"):
        assert pkg in test_req


def test_cli_help_lists_every_command():
    out = subprocess.run(
        [sys.executable, "-m", "xmsim", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout
    for cmd in ("run", "risk", "cf", "fetch-history", "optimize"):
        assert cmd in out


def test_every_public_name_resolves():
    import xmsim

    for name in xmsim.__all__:
        assert getattr(xmsim, name) is not None, name


def test_readme_example_output_is_what_the_cli_prints():
    block = README.split("$ python -m xmsim run sample_portfolios/basis_trade.csv\n")[1]
    block = block.split("```")[0]
    out = subprocess.run(
        [sys.executable, "-m", "xmsim", "run", "sample_portfolios/basis_trade.csv"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout
    for line in block.strip().splitlines():
        assert line.strip() in out, line


def test_readme_library_example_runs():
    """The README's library example, executed as written (from the repository root)."""
    block = README.split("## As a library")[1].split("```python\n")[1].split("```")[0]
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        exec(compile(block, "README.md (As a library)", "exec"), {})
    finally:
        os.chdir(cwd)


# Public functions of pricing/ and engines/ that take and return no quantity with a unit (files,
# text, choices): their docstrings need no bracketed unit.
NO_UNITS = {
    "span_file_kind", "split_fixed", "read_span_file", "zip_csv_member", "span_params_from_file",
    "summary", "eligible_codes", "parse_month", "parse_date", "read_pa2", "read_spn",
    "combined_commodities", "account_type_of", "for_account_type", "to_frame",
    "save_span_params", "load_span_params", "read_span_params", "default_span_params",
    "deliverable_reason",
}  # fmt: skip


def test_pricing_and_engine_docstrings_state_units():
    """House style: every public function of pricing/ and engines/ has a docstring, and every
    one that handles quantities states their units in brackets (``[USD per bp]``, ``[1]``)."""
    missing = []
    for path in sorted([*(ROOT / "xmsim" / "pricing").rglob("*.py"),
                        *(ROOT / "xmsim" / "engines").rglob("*.py")]):  # fmt: skip
        if path.name.startswith("_") and path.name != "__init__.py":
            continue
        tree = ast.parse(path.read_text())
        nodes = [(n, "") for n in tree.body]
        while nodes:
            node, owner = nodes.pop()
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                nodes += [(n, node.name + ".") for n in node.body]
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            doc = ast.get_docstring(node) or ""
            if not doc or ("[" not in doc and node.name not in NO_UNITS):
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {owner}{node.name}")
    assert not missing, "docstrings without units:\n" + "\n".join(missing)
