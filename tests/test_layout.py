"""The package's layout follows the data flow: one folder per stage, imports only run down the flow, no
module grows past about 600 lines, and a command imports only the stages it uses."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import supplierscore

PACKAGE = Path(supplierscore.__file__).parent

STAGES = ("inputs", "ruleset", "engine", "sheet", "audit", "report", "service", "cli")
"""The folders, one per stage of the data flow (read → validate → score → rank → write → audit)."""

SHARED = {"supplierscore", "supplierscore.errors", "supplierscore.limits", "supplierscore.resources"}
"""What any stage may import: the package's version, the error types, the input bounds and the bundled
files."""

MAY_IMPORT = {
    "inputs": set(),
    "ruleset": set(),
    "sheet": {"inputs"},
    "engine": {"inputs", "ruleset", "sheet"},
    "audit": {"inputs", "ruleset", "engine", "sheet"},
    "report": {"inputs", "ruleset", "engine", "sheet"},
    "service": {"inputs", "ruleset", "engine", "sheet", "audit"},
    "cli": {"inputs", "ruleset", "engine", "sheet", "audit", "report", "service"},
}
"""Stages each stage may import: only earlier ones. Readers never import writers; the engine never imports
the audit log or the CLI."""

MAX_MODULE_LINES = 650


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name == "supplierscore" or name.startswith("supplierscore.")}


def _stage_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else None


class TestFolders:
    """Each stage is a folder with a public ``__init__`` and private modules behind it."""

    @pytest.mark.parametrize("stage", STAGES)
    def test_every_stage_is_a_package(self, stage: str) -> None:
        """``supplierscore/<stage>/__init__.py`` exists and says what the stage does."""
        init = PACKAGE / stage / "__init__.py"
        assert init.is_file()
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))

    def test_no_flat_modules_left_but_the_shared_ones(self) -> None:
        """Only the shared modules stay at the top; everything else lives in a stage's folder."""
        flat = {path.name for path in PACKAGE.glob("*.py")}
        assert flat == {"__init__.py", "__main__.py", "errors.py", "limits.py", "resources.py"}

    @pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
    def test_no_module_is_longer_than_about_600_lines(self, path: Path) -> None:
        """A module that grows past the limit holds more than one job: split it."""
        assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_MODULE_LINES


class TestImportsRunDownTheFlow:
    """A stage imports only the stages before it."""

    @pytest.mark.parametrize(
        "path",
        sorted(p for stage in STAGES for p in (PACKAGE / stage).glob("*.py")),
        ids=lambda p: str(p.relative_to(PACKAGE)),
    )
    def test_module_imports_only_earlier_stages(self, path: Path) -> None:
        """No import runs back up the flow (``inputs`` importing ``sheet``, ``engine`` importing ``cli``)."""
        stage = path.parent.name
        for module in _imported_modules(path):
            other = _stage_of(module)
            if module in SHARED or other == stage:
                continue
            assert other in MAY_IMPORT[stage], f"{stage} imports {module}"

    def test_the_check_catches_an_import_up_the_flow(self, tmp_path: Path) -> None:
        """The import reader finds a later stage's import, so the test above can fail."""
        module = tmp_path / "m.py"
        module.write_text("def f():\n    from supplierscore.audit import AuditLog\n", encoding="utf-8")
        assert {_stage_of(name) for name in _imported_modules(module)} == {"audit"}


def _modules_after(args: list[str]) -> set[str]:
    """The modules loaded by ``supplierscore ARGS`` in a fresh interpreter."""
    code = (
        "import json, sys\n"
        "from supplierscore.cli import main\n"
        f"sys.argv = ['supplierscore', *{args!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write('\\nMODULES ' + json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(done.stderr.rsplit("MODULES ", 1)[1]))


class TestCommandsImportWhatTheyUse:
    """Start-up stays light: the audit log and cryptography load only for audit work."""

    @pytest.mark.parametrize("args", [["--help"], ["score", "--help"], ["rules", "--help"]])
    def test_help_imports_neither_the_audit_log_nor_cryptography(self, args: list[str]) -> None:
        """``supplierscore --help`` and a command's help never load the audit log or cryptography."""
        modules = _modules_after(args)
        assert "supplierscore.audit" not in modules
        assert not any(name == "cryptography" or name.startswith("cryptography.") for name in modules)
        assert not {"supplierscore.service", "fastapi", "uvicorn"} & modules

    def test_an_audit_command_does_import_the_audit_log(self, tmp_path: Path) -> None:
        """The same check sees the audit log when a command needs it, so it can fail."""
        modules = _modules_after(["audit", "keygen", str(tmp_path / "k.key")])
        assert "supplierscore.audit" in modules
        assert any(name.startswith("cryptography") for name in modules)
