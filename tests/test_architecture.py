"""Layering rules: calculators are pure (no Streamlit), pages stay thin."""
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_calculators_never_import_streamlit_statically():
    for path in (ROOT / "calculators").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n == "streamlit" or n.startswith("streamlit.") for n in names), path.name


def test_calculators_never_import_streamlit_at_run_time():
    modules = [".".join(p.relative_to(ROOT / "calculators").with_suffix("").parts)
               for p in (ROOT / "calculators").rglob("*.py") if p.name != "__init__.py" or p.parent.name != "calculators"]
    modules = [m.removesuffix(".__init__") for m in modules]
    code = "import sys\n" + "".join(f"import calculators.{m}\n" for m in modules)
    code += "assert not any(k == 'streamlit' or k.startswith('streamlit.') for k in sys.modules), 'streamlit loaded'"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_figures_are_pure():
    for path in (ROOT / "pages" / "_ui").glob("fig*.py"):
        assert "import streamlit" not in path.read_text(), path.name
