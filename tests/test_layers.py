"""The layering rules that keep the core headless and batch commands fast to start."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_models_import_neither_textual_nor_click() -> None:
    for path in (ROOT / "models").rglob("*.py"):
        assert not _imports(path) & {"textual", "click"}, path


def test_commands_do_not_import_textual_or_screens() -> None:
    for path in (ROOT / "commands").rglob("*.py"):
        assert not _imports(path) & {"textual", "screens", "console"}, path


def test_screens_do_not_import_the_shell() -> None:
    """Imports only point down: the key tables and worker messages live in screens/, which the
    console (the shell that wires everything) imports, never the other way round."""
    for path in (ROOT / "screens").rglob("*.py"):
        assert not _imports(path) & {"console", "commands", "click"}, path


def test_batch_commands_do_not_load_textual(tmp_path: Path) -> None:
    """Importing every command module and running batch commands never imports textual."""
    code = (
        "import sys, importlib, pkgutil, commands, console.cli\n"
        "for m in pkgutil.iter_modules(commands.__path__): importlib.import_module('commands.' + m.name)\n"
        "from click.testing import CliRunner\n"
        f"db = ['--db', 'sqlite:///{tmp_path / 'a.db'}']\n"
        "for args in (['init'], ['intake', 'add', '--channel', 'grid', '--text', 'x'], ['case', 'list', '--json']):\n"
        "    assert CliRunner().invoke(console.cli.cli, db + args).exit_code == 0\n"
        "print('textual' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr


def test_core_is_importable_without_the_tui() -> None:
    code = ("import sys, importlib, pkgutil, models\n"
            "for m in pkgutil.walk_packages(models.__path__, 'models.'): importlib.import_module(m.name)\n"
            "print(sorted(k for k in ('textual', 'click') if k in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stderr


# models/ is grouped by what the office does; its packages are layers, lowest first. A module may
# import its own package, any package below it, and models.errors; never one above it. (Imports
# under `if TYPE_CHECKING:` are annotations only and exempt.) README's layout section explains each.
MODEL_LAYERS = ("text", "worktime", "store", "org", "ledger", "clocks", "cases", "intake", "supervision",
                "notify", "reports", "suggest", "demo", "training")


def _runtime_model_imports(path: Path) -> list[tuple[int, str]]:
    """(line, package) for every models.<package> this file imports at run time."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = ([f"models.{alias.name}" for alias in node.names] if node.module == "models"
                       else [node.module])
        for module in modules:
            parts = module.split(".")
            if parts[0] == "models" and len(parts) > 1 and parts[1] != "errors":
                found.append((node.lineno, parts[1]))
    return found


def test_models_is_grouped_into_packages() -> None:
    loose = sorted(p.name for p in (ROOT / "models").glob("*.py") if p.name not in ("__init__.py", "errors.py"))
    assert loose == [], f"modules outside a package: {loose}"
    packages = sorted(p.name for p in (ROOT / "models").iterdir() if (p / "__init__.py").exists())
    assert packages == sorted(MODEL_LAYERS)
    for name in packages:
        doc = ast.get_docstring(ast.parse((ROOT / "models" / name / "__init__.py").read_text(encoding="utf-8")))
        assert doc and "May import" in doc, f"models/{name}/__init__.py must say what it owns and may import"


def test_model_packages_import_only_downwards() -> None:
    rank = {name: i for i, name in enumerate(MODEL_LAYERS)}
    wrong = []
    for path in sorted((ROOT / "models").rglob("*.py")):
        parts = path.relative_to(ROOT / "models").parts
        if len(parts) < 2:
            continue
        for line, package in _runtime_model_imports(path):
            assert package in rank, f"{path.relative_to(ROOT)}:{line} imports unknown models.{package}"
            if rank[package] > rank[parts[0]]:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {parts[0]} imports models.{package} (above it)")
    assert wrong == [], "\n".join(wrong)
