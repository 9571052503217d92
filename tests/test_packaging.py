"""The installed package needs nothing but numpy at run time."""

import ast
import pathlib
import sys

import bibun

PACKAGE = pathlib.Path(bibun.__file__).parent


def test_package_imports_only_the_standard_library_numpy_and_itself():
    foreign = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in ("bibun", "numpy"):
                    foreign.append(f"{path.relative_to(PACKAGE)}: {name}")
    assert foreign == [], "runtime imports outside the declared dependencies (numpy): " + ", ".join(foreign)


def test_package_data_ships_the_digits_data_set():
    assert (PACKAGE / "data" / "digits.csv.gz").is_file()
