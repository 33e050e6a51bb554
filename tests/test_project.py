"""Keep the README, CI and house rules true."""

from __future__ import annotations

import ast
import re
import subprocess
import sys

from tests.conftest import ROOT
from xmsim.loader import format_table_markdown

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


def test_plotly_is_imported_only_by_reporting():
    for path in (ROOT / "xmsim").rglob("*.py"):
        if path.name == "reporting.py":
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
