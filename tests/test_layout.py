"""The package's layout follows the data flow: one folder per stage, imports only run down the flow, no
module grows past about 600 lines, and a command imports only the stages it uses."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import click
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


ROOT = Path(__file__).resolve().parents[1]  # the checkout: the package may be installed elsewhere
EXAMPLES = ROOT / "examples"


def _loaded(code: str) -> set[str]:
    """The modules loaded after running ``code`` in a fresh interpreter (run from the repository's root)."""
    code += "\nimport json, sys\nsys.stderr.write('\\nMODULES ' + json.dumps(sorted(sys.modules)))\n"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120, cwd=ROOT
    )
    return set(json.loads(done.stderr.rsplit("MODULES ", 1)[1]))


def _modules_after(args: list[str]) -> set[str]:
    """The modules loaded by ``supplierscore ARGS`` in a fresh interpreter."""
    return _loaded(
        "import sys\n"
        "from supplierscore.cli import main\n"
        f"sys.argv = ['supplierscore', *{args!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
    )


def _found(modules: set[str], names: set[str]) -> set[str]:
    """Which of ``names`` are loaded, a package counting as loaded when any module of it is."""
    return {name for name in names for module in modules if module == name or module.startswith(name + ".")}


HEAVY = {
    "polars",
    "xlsxwriter",
    "jsonschema_rs",
    "pydantic",
    "ocdsmerge",
    "pycountry",
    "python_calamine",
    "fastapi",
    "uvicorn",
    "cryptography",
    "babel",
}
"""Libraries that take a noticeable time to import (polars about half a second) and that no help needs."""

NOT_FOR_SCORING = {
    "polars",
    "xlsxwriter",
    "ocdsmerge",
    "pycountry",
    "python_calamine",
    "fastapi",
    "uvicorn",
    "cryptography",
    "babel",
    "supplierscore.inputs._ocds",
    "supplierscore.inputs._sheets",
    "supplierscore.engine._analysis",
    "supplierscore.sheet._stream",
    "supplierscore.sheet._parquet",
    "supplierscore.sheet._xlsx",
    "supplierscore.audit",
    "supplierscore.report",
    "supplierscore.service",
}
"""What ``score examples/tenders.ndjson --out x.json`` does not use: the OCDS importer, the spreadsheet
reader, the analysis, the streaming and Parquet/XLSX writers, the audit log, the reports, the service."""


def _commands() -> list[list[str]]:
    """Every command and subcommand of the CLI, as the words that name it."""
    from supplierscore.cli import main

    found: list[list[str]] = []
    for name, command in sorted(main.commands.items()):
        found.append([name])
        if isinstance(command, click.Group):
            found += [[name, sub] for sub in sorted(command.commands)]
    return found


class TestCommandsImportWhatTheyUse:
    """Start-up stays light: a command imports only the stages and libraries it uses, when it runs."""

    @pytest.mark.parametrize("words", [[], *_commands()], ids=lambda words: " ".join(words) or "main")
    def test_help_loads_no_stage_and_no_heavy_library(self, words: list[str]) -> None:
        """Every ``--help`` loads the CLI and nothing of a stage but constants: no private module of a stage
        (``inputs._batch``, constants and records, aside), not the audit log, the reports or the service,
        none of the slow libraries (cryptography, FastAPI, polars...)."""
        modules = _modules_after([*words, "--help"])
        assert not _found(modules, HEAVY)
        assert not {"supplierscore.audit", "supplierscore.report", "supplierscore.service"} & modules
        stages = {m for m in modules if _stage_of(m) not in (None, "cli") and "._" in m}
        assert stages <= {"supplierscore.inputs._batch"}

    def test_scoring_the_examples_loads_only_what_scoring_uses(self, tmp_path: Path) -> None:
        """``score examples/tenders.ndjson --out x.json`` reads, validates, scores and writes JSON, and
        loads none of the rest: no OCDS importer, spreadsheet reader, analysis, Parquet, audit, reports."""
        modules = _modules_after(["score", "examples/tenders.ndjson", "--out", str(tmp_path / "x.json")])
        assert (tmp_path / "x.json").is_file()
        assert {"jsonschema_rs", "supplierscore.engine._run", "supplierscore.inputs._read"} <= modules
        assert not _found(modules, NOT_FOR_SCORING)

    def test_a_parquet_sheet_does_load_polars(self, tmp_path: Path) -> None:
        """The same check sees polars when the output needs it, so the one above can fail."""
        modules = _modules_after(["score", "examples/tenders.ndjson", "--out", str(tmp_path / "x.parquet")])
        assert (tmp_path / "x.parquet").is_file()
        assert _found(modules, NOT_FOR_SCORING) == {"polars", "supplierscore.sheet._parquet"}

    def test_converting_a_workbook_does_load_the_spreadsheet_reader(self, tmp_path: Path) -> None:
        """Reading a workbook loads python_calamine and the spreadsheet reader, which NDJSON never does."""
        modules = _modules_after(["convert", "examples/tenders.xlsx", "--out", str(tmp_path / "t.ndjson")])
        assert (tmp_path / "t.ndjson").is_file()
        assert {"python_calamine", "supplierscore.inputs._sheets"} <= modules
        assert not _found(modules, {"polars", "ocdsmerge", "supplierscore.inputs._ocds"})

    def test_an_audit_command_does_import_the_audit_log(self, tmp_path: Path) -> None:
        """The same check sees the audit log when a command needs it, so it can fail."""
        modules = _modules_after(["audit", "keygen", str(tmp_path / "k.key")])
        assert "supplierscore.audit" in modules
        assert any(name.startswith("cryptography") for name in modules)

    def test_importing_the_package_loads_no_stage(self) -> None:
        """``import supplierscore`` loads the package alone; a name's stage loads when the name is used."""
        modules = _loaded("import supplierscore")
        assert {m for m in modules if m.startswith("supplierscore")} == {"supplierscore"}
        assert not _found(modules, HEAVY | {"importlib.metadata"})
        used = _loaded("import supplierscore\nsupplierscore.Ruleset")
        assert "pydantic" in used and "supplierscore.ruleset._models" in used
        assert not _found(used, {"supplierscore.engine", "supplierscore.inputs", "polars"})


LAZY = ("", *(f".{stage}" for stage in STAGES if stage != "cli"))
"""The packages whose names load on first use: the top one and every stage but the CLI."""


def _lazy_parts(package: str) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """What a package's ``__init__`` imports under ``if TYPE_CHECKING:`` and what its ``_lazy`` call maps,
    each as module → names."""
    tree = ast.parse((PACKAGE.joinpath(*package.split(".")[1:]) / "__init__.py").read_text(encoding="utf-8"))
    typed: dict[str, set[str]] = {}
    lazy: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom) and statement.module:
                    typed.setdefault(statement.module, set()).update(a.name for a in statement.names)
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "_lazy":
            mapping = node.args[1]
            assert isinstance(mapping, ast.Dict)
            for key, value in zip(mapping.keys, mapping.values, strict=True):
                assert isinstance(key, ast.Constant) and isinstance(value, ast.Tuple)
                lazy[key.value] = {ast.literal_eval(element) for element in value.elts}
    return typed, lazy


class TestLazyPackages:
    """Each package's names load on first use, and type checkers see the same names as the runtime."""

    @pytest.mark.parametrize("suffix", LAZY, ids=lambda s: s or "supplierscore")
    def test_the_lazy_map_is_what_type_checkers_see(self, suffix: str) -> None:
        """The ``_lazy`` map and the ``if TYPE_CHECKING:`` imports name the same modules and names, and
        every name of ``__all__`` is in them (a name added to one and not the other fails here)."""
        package = f"supplierscore{suffix}"
        typed, lazy = _lazy_parts(package)
        assert lazy and typed == lazy
        module = importlib.import_module(package)
        exported = {name for names in lazy.values() for name in names}
        assert set(module.__all__) - {"__version__", "DEFAULT_CHUNK_LINES"} <= exported

    @pytest.mark.parametrize("suffix", LAZY, ids=lambda s: s or "supplierscore")
    def test_every_name_loads_from_its_module(self, suffix: str) -> None:
        """Each name in the map is the very object its module defines, listed by ``dir``, and reachable by
        ``from PACKAGE import *``; an unknown name is an AttributeError, as for any module."""
        package = f"supplierscore{suffix}"
        module = importlib.import_module(package)
        for source, names in _lazy_parts(package)[1].items():
            for name in names:
                assert getattr(module, name) is getattr(importlib.import_module(source), name)
                assert name in dir(module)
        namespace: dict[str, object] = {}
        exec(f"from {package} import *", namespace)
        assert set(module.__all__) <= set(namespace)
        with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
            _ = module.no_such_name
