"""dita's PEP 517 build backend: CMake builds the extension, this packs the wheel.

Standard library only, so pip needs nothing from a package index to run it. The wheel holds
``dita`` (with ``_core``, the ``.pyi`` stubs and ``py.typed``) and the compatibility package
``prod.clean_arch.dita_v2``.

Where the extension comes from:

* ``DITA_CMAKE_BUILD_DIR`` set: that configured build tree; its ``dita_python`` target is
  brought up to date (quick when it already is).
* otherwise: ``build/pip`` in the source tree, configured for the running interpreter with
  tests and benchmarks off, and only ``dita_python`` built.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parents[2]
PYTHON_DIR = ROOT / "python"
NAME = "dita"
SUMMARY = ("A deterministic C++ execution kernel for perpetual-futures trading, with a chaos-testing "
           "toolkit and a BingX venue")
BUILD_TIMEOUT_S = 3600


def _version() -> str:
    text = (PYTHON_DIR / "dita" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"$', text, re.MULTILINE)
    if found is None:
        raise RuntimeError("python/dita/__init__.py has no __version__")
    return found.group(1)


def _tag() -> str:
    interpreter = sys.implementation.cache_tag.replace("cpython-", "cp")
    platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return f"{interpreter}-{interpreter}-{platform}"


def _run(command: List[str]) -> None:
    print("dita build:", " ".join(command), flush=True)
    subprocess.run(command, check=True, timeout=BUILD_TIMEOUT_S)


def _build_extension() -> Path:
    """Builds dita._core and returns its path."""
    cmake = shutil.which("cmake")
    if cmake is None:
        raise RuntimeError("building dita needs cmake (Debian: bash scripts/setup.sh)")
    given = os.environ.get("DITA_CMAKE_BUILD_DIR")
    if given:
        build_dir = Path(given).resolve()
        if not (build_dir / "CMakeCache.txt").is_file():
            raise RuntimeError(f"DITA_CMAKE_BUILD_DIR={given} is not a configured CMake build tree")
    else:
        build_dir = ROOT / "build" / "pip"
        generator = ["-G", "Ninja"] if shutil.which("ninja") else []
        interpreter = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
        _run([cmake, "-S", str(ROOT), "-B", str(build_dir), *generator, "-DCMAKE_BUILD_TYPE=Release",
              "-DDITA_BUILD_TESTS=OFF", "-DDITA_BUILD_BENCH=OFF", f"-DDITA_PYTHON_EXECUTABLE={interpreter}"])
    jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", "2")
    _run([cmake, "--build", str(build_dir), "--target", "dita_python", "-j", jobs])
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    extension = build_dir / "python" / "dita" / f"_core{suffix}"
    if not extension.is_file():
        raise RuntimeError(f"{extension} was not built: the build tree's Python is not this interpreter "
                           f"({sys.version.split()[0]}, extension suffix {suffix})")
    return extension


def _package_files() -> List[Tuple[str, Path]]:
    """(path in the wheel, source) for every pure-Python file, stub and marker."""
    out: List[Tuple[str, Path]] = []
    for pattern in ("dita/*.py", "dita/*.pyi", "dita/py.typed", "prod/**/*.py"):
        for source in sorted(PYTHON_DIR.glob(pattern)):
            out.append((source.relative_to(PYTHON_DIR).as_posix(), source))
    return out


def _metadata() -> str:
    return (f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {_version()}\nSummary: {SUMMARY}\n"
            "Requires-Python: >=3.11\nLicense: Proprietary\n")


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return f"{path},sha256={digest},{len(data)}"


def _write_dist_info(directory: Path) -> str:
    info = directory / f"{NAME}-{_version()}.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(_metadata(), encoding="utf-8")
    return info.name


def get_requires_for_build_wheel(config_settings: Optional[Dict] = None) -> List[str]:
    return []


def get_requires_for_build_sdist(config_settings: Optional[Dict] = None) -> List[str]:
    return []


def prepare_metadata_for_build_wheel(metadata_directory: str, config_settings: Optional[Dict] = None) -> str:
    return _write_dist_info(Path(metadata_directory))


def build_wheel(wheel_directory: str, config_settings: Optional[Dict] = None,
                metadata_directory: Optional[str] = None) -> str:
    extension = _build_extension()
    version = _version()
    tag = _tag()
    info = f"{NAME}-{version}.dist-info"
    files = _package_files() + [(f"dita/{extension.name}", extension)]
    generated = {
        f"{info}/METADATA": _metadata().encode("utf-8"),
        f"{info}/WHEEL": (f"Wheel-Version: 1.0\nGenerator: dita_build_backend\nRoot-Is-Purelib: false\n"
                          f"Tag: {tag}\n").encode("utf-8"),
        f"{info}/top_level.txt": b"dita\nprod\n",
    }
    name = f"{NAME}-{version}-{tag}.whl"
    records: List[str] = []
    with zipfile.ZipFile(Path(wheel_directory) / name, "w", compression=zipfile.ZIP_DEFLATED) as wheel:
        for arcname, source in files:
            data = source.read_bytes()
            info_entry = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))
            info_entry.external_attr = (0o755 if source.suffix == ".so" else 0o644) << 16
            info_entry.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(info_entry, data)
            records.append(_record_line(arcname, data))
        for arcname, data in generated.items():
            wheel.writestr(zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0)), data)
            records.append(_record_line(arcname, data))
        records.append(f"{info}/RECORD,,")
        wheel.writestr(zipfile.ZipInfo(f"{info}/RECORD", date_time=(2020, 1, 1, 0, 0, 0)),
                       "\n".join(records) + "\n")
    return name


def build_sdist(sdist_directory: str, config_settings: Optional[Dict] = None) -> str:
    """The tracked source tree (git ls-files), as dita-<version>.tar.gz."""
    listing = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], check=True, capture_output=True,
                             timeout=60).stdout.decode("utf-8").split("\0")
    base = f"{NAME}-{_version()}"
    name = f"{base}.tar.gz"
    with tarfile.open(Path(sdist_directory) / name, "w:gz") as archive:
        for relative in filter(None, listing):
            archive.add(ROOT / relative, arcname=f"{base}/{relative}", recursive=False)
        pkg_info = _metadata().encode("utf-8")
        entry = tarfile.TarInfo(f"{base}/PKG-INFO")
        entry.size = len(pkg_info)
        archive.addfile(entry, io.BytesIO(pkg_info))
    return name
