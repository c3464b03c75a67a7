"""Fails when the .pyi stubs and the built module disagree, or a public name has no docstring.

1. dita/_core.pyi regenerated from the module (python/packaging/make_stubs.py) must equal the
   committed one: a changed signature, a new method or a new field shows as a diff.
2. mypy's stubtest: every name in the stubs exists at runtime with the same kind, and the
   reverse, for dita._core and the pure-Python modules.
3. Every public name of dita (and each public method of its classes) has a docstring.

Usage: check_stubs.py <build/python>   (run by ctest python_stubs)
"""

from __future__ import annotations

import difflib
import enum
import inspect
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2]
# "dita" itself only re-exports these (listing it with its submodules makes mypy see _core twice).
MODULES = ["dita._core", "dita.bingx_venue", "dita.contracts", "dita.control", "dita.kernel",
           "dita.mock_venue", "dita.venue", "dita.zinc_plane"]


def check_regenerated(build_python: Path) -> list[str]:
    with tempfile.TemporaryDirectory() as scratch:
        env = dict(os.environ, PYTHONPATH=str(build_python))
        subprocess.run([sys.executable, str(SOURCE / "python/packaging/make_stubs.py"), scratch], check=True, env=env,
                       timeout=300, stdout=subprocess.DEVNULL)
        generated = (Path(scratch) / "_core.pyi").read_text(encoding="utf-8")
    committed = (SOURCE / "python/dita/_core.pyi").read_text(encoding="utf-8")
    if generated == committed:
        return []
    diff = difflib.unified_diff(committed.splitlines(), generated.splitlines(), "committed", "module", lineterm="")
    return ["python/dita/_core.pyi differs from the module; after checking the change is meant, regenerate it:\n"
            "  PYTHONPATH=build/python /usr/bin/python3 python/packaging/make_stubs.py python/dita\n" +
            "\n".join(list(diff)[:80])]


def check_stubtest(build_python: Path) -> list[str]:
    env = dict(os.environ, PYTHONPATH=str(build_python))
    with tempfile.TemporaryDirectory() as cache:
        run = subprocess.run([sys.executable, "-m", "mypy.stubtest", "--mypy-config-file", os.devnull,
                              "--concise", "--allowlist", str(SOURCE / "tests/python_package/stubtest_allowlist.txt"),
                              *MODULES],
                             env=env, cwd=cache, capture_output=True, text=True, timeout=600)
    print(run.stdout[-2000:], end="")
    if run.returncode == 0:
        return []
    return [f"stubtest (exit {run.returncode}):\n{run.stdout[-6000:]}{run.stderr[-3000:]}"]


def _public_methods(cls: type):
    for name, member in vars(cls).items():
        if not name.startswith("_") and callable(member) and not isinstance(member, (type, enum.Enum)):
            yield name, member


def _described(doc: str | None) -> bool:
    """pybind11 puts the signature first: a docstring is text beyond it."""
    lines = [line for line in (doc or "").strip().splitlines() if line.strip()]
    return len(lines) > 1 or (len(lines) == 1 and not re.match(r"^\w+\(.*\)( -> .*)?$", lines[0]))


def check_docstrings(build_python: Path) -> list[str]:
    sys.path.insert(0, str(build_python))
    import dita
    missing = []
    for name in dita.__all__:
        obj = getattr(dita, name)
        if not _described(inspect.getdoc(obj)):
            missing.append(name)
        if inspect.isclass(obj) and not issubclass(obj, enum.Enum) and obj.__module__.startswith("dita"):
            missing += [f"{name}.{method}" for method, member in _public_methods(obj) if not _described(member.__doc__)]
    return [f"public names without a docstring: {', '.join(missing)}"] if missing else []


def main() -> int:
    build_python = Path(sys.argv[1]).resolve()
    problems = check_regenerated(build_python) + check_stubtest(build_python) + check_docstrings(build_python)
    for problem in problems:
        print(problem)
    print("stubs: ok" if not problems else f"stubs: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
