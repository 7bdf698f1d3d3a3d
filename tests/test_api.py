"""The public Python API: exactly ``supplierscore.__all__``, every name importable and documented, and one
exception hierarchy whose exit codes the CLI relies on."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest

import supplierscore
from supplierscore import errors

PUBLIC = [
    "AuditError",
    "Batch",
    "InputError",
    "OutputError",
    "Rejection",
    "Ruleset",
    "RulesetError",
    "ScoreSheet",
    "SupplierScoreError",
    "Tender",
    "UsageError",
    "__version__",
    "default_ruleset_path",
    "load_ruleset",
    "read_bids",
    "read_documents",
    "score",
]
"""The public API, copied from src/supplierscore/__init__.py: changing it must change this list too."""

DOCUMENTED = [name for name in PUBLIC if name != "__version__"]
ERRORS = ["AuditError", "InputError", "OutputError", "RulesetError", "SupplierScoreError", "UsageError"]


class TestExportedNames:
    """``__all__`` is the whole public surface, and each name in it is real and documented."""

    def test_all_is_exactly_the_public_api(self) -> None:
        """``__all__`` equals the list pinned here, and is sorted."""
        assert supplierscore.__all__ == PUBLIC
        assert sorted(PUBLIC) == PUBLIC

    @pytest.mark.parametrize("name", PUBLIC)
    def test_every_public_name_is_importable(self, name: str) -> None:
        """``from supplierscore import NAME`` works and gives the package's attribute."""
        namespace: dict[str, object] = {}
        exec(f"from supplierscore import {name}", namespace)
        assert namespace[name] is getattr(supplierscore, name)

    @pytest.mark.parametrize("name", DOCUMENTED)
    def test_every_public_name_has_its_own_docstring(self, name: str) -> None:
        """A docstring written for it: not inherited, not the signature a dataclass makes up."""
        obj = getattr(supplierscore, name)
        doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else obj.__doc__
        assert isinstance(doc, str) and doc.strip(), name
        assert not doc.startswith(f"{name}("), f"{name} has only the generated dataclass signature"

    @pytest.mark.parametrize("name", [n for n in DOCUMENTED if inspect.isfunction(getattr(supplierscore, n))])
    def test_every_public_function_is_typed(self, name: str) -> None:
        """Every parameter and the return value of a public function are annotated."""
        signature = inspect.signature(getattr(supplierscore, name))
        assert signature.return_annotation is not inspect.Signature.empty, name
        for parameter in signature.parameters.values():
            assert parameter.annotation is not inspect.Parameter.empty, f"{name}({parameter.name})"

    def test_version_is_a_version_string(self) -> None:
        """``__version__`` is a PEP 440 version (``0.0.0+unknown`` from an uninstalled source tree)."""
        assert re.fullmatch(r"[0-9]+(\.[0-9]+)*([a-z0-9.+-]*)", supplierscore.__version__)

    def test_the_package_docstring_shows_the_api(self) -> None:
        """The package's docstring names its entry points."""
        doc = supplierscore.__doc__ or ""
        for name in ("load_ruleset", "read_bids", "score", "write"):
            assert name in doc


def all_error_classes() -> list[type[BaseException]]:
    """Every public exception class defined anywhere in the package."""
    found: dict[str, type[BaseException]] = {}
    for module_info in pkgutil.iter_modules(supplierscore.__path__, "supplierscore."):
        if module_info.name == "supplierscore.__main__":
            continue
        module = importlib.import_module(module_info.name)
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseException)
                and obj.__module__ == module.__name__
                and not name.startswith("_")
            ):
                found[f"{module.__name__}.{name}"] = obj
    return [found[key] for key in sorted(found)]


class TestExceptionHierarchy:
    """One tree under SupplierScoreError; AuditError exits 3, every other error 2."""

    def test_every_error_class_subclasses_supplier_score_error(self) -> None:
        """Every public exception class in any module of the package is a SupplierScoreError."""
        classes = all_error_classes()
        assert {c.__name__ for c in classes} >= set(ERRORS)
        for cls in classes:
            assert issubclass(cls, supplierscore.SupplierScoreError), cls

    @pytest.mark.parametrize("name", ERRORS)
    def test_every_exported_error_is_in_the_tree(self, name: str) -> None:
        """Each exported error is the errors module's class and a SupplierScoreError (itself an Exception)."""
        cls = getattr(supplierscore, name)
        assert cls is getattr(errors, name)
        assert issubclass(cls, supplierscore.SupplierScoreError)
        assert issubclass(cls, Exception)

    @pytest.mark.parametrize(
        ("name", "code"),
        [("AuditError", 3), *((n, 2) for n in ERRORS if n != "AuditError")],
    )
    def test_exit_codes(self, name: str, code: int) -> None:
        """AuditError.exit_code is 3; every other error's is 2 (usage, input, ruleset, output)."""
        cls = getattr(supplierscore, name)
        assert cls.exit_code == code
        error = cls("x") if name != "RulesetError" else cls("x", [])
        assert error.exit_code == code

    def test_errors_carry_their_message_and_details(self) -> None:
        """``to_dict`` gives the kind, the message and the structured details the CLI and a service show."""
        error = supplierscore.UsageError("input not found: a.ndjson", path="a.ndjson")
        assert str(error) == "input not found: a.ndjson"
        assert error.to_dict() == {
            "error": "UsageError",
            "message": "input not found: a.ndjson",
            "path": "a.ndjson",
        }

    def test_ruleset_error_lists_every_problem(self) -> None:
        """A RulesetError holds every problem, each with its pointer and line, in its text and details."""
        problems = [
            errors.Problem("/criteria", "the weights add up to 90, not 100", 6),
            errors.Problem("/x", "y"),
        ]
        error = supplierscore.RulesetError("broken.yaml: the ruleset cannot be used (2 problems)", problems)
        assert str(error).splitlines()[1:] == [
            "  line 6, /criteria: the weights add up to 90, not 100",
            "  /x: y",
        ]
        assert [p["path"] for p in error.to_dict()["problems"]] == ["/criteria", "/x"]
