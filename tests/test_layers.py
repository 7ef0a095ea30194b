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
