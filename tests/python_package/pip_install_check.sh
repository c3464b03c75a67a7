#!/usr/bin/env bash
# `pip install .` as a new user would, offline: a fresh venv, the repository installed into it,
# then from a folder outside the repository (no PYTHONPATH) `import dita` and the BingX example
# (two lifecycles through BingxVenueAdapter against BingxSimulator).
# Usage: pip_install_check.sh <source dir> <configured build dir whose extension is reused>
set -euo pipefail
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset PYTHONPATH PYTHONHOME PYTHONSTARTUP PYTHONNOUSERSITE

/usr/bin/python3 -m venv "$work/venv"
DITA_CMAKE_BUILD_DIR="$build" PIP_DISABLE_PIP_VERSION_CHECK=1 \
  timeout 500 "$work/venv/bin/pip" install --no-index --quiet "$src"

mkdir "$work/elsewhere"
cd "$work/elsewhere"
py="$work/venv/bin/python"
"$py" - "$work/venv" "$src" <<'PY'
import os, sys
venv, src = sys.argv[1], sys.argv[2]
import dita, dita._core, prod.clean_arch.dita_v2.bingx_venue as bingx, prod.clean_arch.dita_v2.venue as venue
for module in (dita, dita._core, bingx):
    path = os.path.realpath(module.__file__)
    assert path.startswith(os.path.realpath(venv) + os.sep), f"{module.__name__} from {path}, not the venv"
    assert not path.startswith(os.path.realpath(src) + os.sep), path
assert bingx.BingxVenueAdapter is dita.BingxVenueAdapter is venue.BingxVenueAdapter
here = os.path.dirname(dita.__file__)
assert os.path.isfile(os.path.join(here, "py.typed")) and os.path.isfile(os.path.join(here, "_core.pyi"))
print("installed:", dita.__file__)
PY
output=$("$py" "$src/examples/bingx_simulator_trade.py")
echo "$output"
grep -q "realized_pnl" <<<"$output"
grep -q "lifecycles: 2" <<<"$output"
"$work/venv/bin/pip" uninstall --yes --quiet dita
if "$py" -c "import dita" 2>/dev/null; then
  echo "dita still importable after uninstall" >&2
  exit 1
fi
echo "pip install check: ok"
