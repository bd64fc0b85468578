#!/usr/bin/env bash
# Builds the deployable code asset of the API Lambda (mangaflow.api.lambda_handler.handler).
# Run `scripts/build-api-asset.sh -h` for the options.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Defaults follow ApiFunction in infra/stacks/api.py (Runtime.PYTHON_3_12, Architecture.ARM_64);
# tests/infra/test_api_asset.py fails when the two drift apart.
DEFAULT_PYTHON_VERSION="3.12"
DEFAULT_ARCH="arm64"

OUT="$ROOT/build/api-asset"
REQUIREMENTS="$ROOT/infra/lambdas/api/requirements.txt"
PYTHON_VERSION="$DEFAULT_PYTHON_VERSION"
ARCH="$DEFAULT_ARCH"
PLATFORM=""
COMPILE="auto"
RUNTIME_PYTHON=""
VERIFY=0
STAGE_NAME="dev"

usage() {
  cat <<EOF
Usage: scripts/build-api-asset.sh [options]

Builds the code asset of the API Lambda (FastAPI via Mangum) into a directory for
\`cdk deploy -c apiAssetPath=<dir>\`: the run-time requirements in
infra/lambdas/api/requirements.txt as wheels for the Lambda platform (uv pip install --target
--python-platform --python-version --only-binary :all:), plus the mangaflow package itself
(--no-deps). Prefect, Streamlit, the CLI's and the dashboard's packages are not included.

Options:
  -o, --out DIR            output directory (default: build/api-asset); replaced on success
  -r, --requirements FILE  requirements file (default: infra/lambdas/api/requirements.txt)
      --python-version V   Lambda Python version (default: $DEFAULT_PYTHON_VERSION, as ApiFunction's runtime)
      --arch A             arm64 or x86_64 (default: $DEFAULT_ARCH, as ApiFunction's architecture)
      --platform P         uv --python-platform (default: <arch>-manylinux_2_34 for Python >= 3.12,
                           whose runtimes run on Amazon Linux 2023; <arch>-manylinux2014 for 3.11,
                           which runs on Amazon Linux 2)
      --runtime-python PY  a local interpreter of version V (default: python<V> on PATH, if it works);
                           used to precompile bytecode and by --verify
      --compile            precompile .pyc files (unchecked-hash: valid on the read-only /var/task);
                           needs the runtime Python (default: when it is found)
      --no-compile         ship sources only (every cold start then compiles what it imports)
      --verify             run infra/lambdas/api/smoke.py against the asset with
                           '<runtime python> -I -S' (GET /health -> 200, GET /stories without a
                           token -> 401); needs --arch to match this machine
      --stage S            stage shown in the printed cdk command (default: dev)
  -h, --help               show this help

Environment: UV (the uv binary; default .venv/bin/uv, then uv on PATH), HOST_PYTHON (the
interpreter uv builds the project wheel with; default .venv/bin/python, then python3).
Needs network access to PyPI (or UV_INDEX_URL).
EOF
}

die() { echo "build-api-asset: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    -o|--out) OUT="${2:?--out needs a directory}"; shift 2 ;;
    -r|--requirements) REQUIREMENTS="${2:?--requirements needs a file}"; shift 2 ;;
    --python-version) PYTHON_VERSION="${2:?--python-version needs a version}"; shift 2 ;;
    --arch) ARCH="${2:?--arch needs arm64 or x86_64}"; shift 2 ;;
    --platform) PLATFORM="${2:?--platform needs a uv platform}"; shift 2 ;;
    --runtime-python) RUNTIME_PYTHON="${2:?--runtime-python needs an interpreter}"; shift 2 ;;
    --compile) COMPILE="yes"; shift ;;
    --no-compile) COMPILE="no"; shift ;;
    --verify) VERIFY=1; shift ;;
    --stage) STAGE_NAME="${2:?--stage needs a name}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "build-api-asset: unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done

case "$ARCH" in
  arm64|aarch64) ARCH="arm64"; UV_ARCH="aarch64"; MACHINE="aarch64" ;;
  x86_64|amd64) ARCH="x86_64"; UV_ARCH="x86_64"; MACHINE="x86_64" ;;
  *) die "--arch must be arm64 or x86_64, not $ARCH" ;;
esac
[[ "$PYTHON_VERSION" =~ ^3\.[0-9]+$ ]] || die "--python-version must look like 3.12, not $PYTHON_VERSION"
if [ -z "$PLATFORM" ]; then
  if [ "${PYTHON_VERSION#3.}" -ge 12 ]; then
    PLATFORM="$UV_ARCH-manylinux_2_34"
  else
    PLATFORM="$UV_ARCH-manylinux2014"
  fi
fi
[ -f "$REQUIREMENTS" ] || die "no requirements file at $REQUIREMENTS"
REQ_PARENT="$(cd "$(dirname "$REQUIREMENTS")" && pwd)"
REQUIREMENTS="${REQ_PARENT%/}/$(basename "$REQUIREMENTS")"

UV="${UV:-}"
if [ -z "$UV" ]; then
  if [ -x "$ROOT/.venv/bin/uv" ]; then UV="$ROOT/.venv/bin/uv"
  elif command -v uv >/dev/null 2>&1; then UV="$(command -v uv)"
  else die "uv not found: pip install uv, or set UV=/path/to/uv"; fi
fi
HOST_PYTHON="${HOST_PYTHON:-}"
if [ -z "$HOST_PYTHON" ]; then
  if [ -x "$ROOT/.venv/bin/python" ]; then HOST_PYTHON="$ROOT/.venv/bin/python"
  else HOST_PYTHON="$(command -v python3 || true)"; fi
fi
[ -n "$HOST_PYTHON" ] || die "no Python found to build the project wheel: set HOST_PYTHON"

# A local interpreter of the runtime's version (pyenv shims may exist but not run: try it).
if [ -z "$RUNTIME_PYTHON" ] && command -v "python$PYTHON_VERSION" >/dev/null 2>&1 \
   && "python$PYTHON_VERSION" -c 'import sys' >/dev/null 2>&1; then
  RUNTIME_PYTHON="$(command -v "python$PYTHON_VERSION")"
fi
if [ -n "$RUNTIME_PYTHON" ]; then
  got="$("$RUNTIME_PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" \
    || die "--runtime-python $RUNTIME_PYTHON does not run"
  [ "$got" = "$PYTHON_VERSION" ] || die "--runtime-python is Python $got, the asset is for $PYTHON_VERSION"
fi
if [ "$COMPILE" = "yes" ] && [ -z "$RUNTIME_PYTHON" ]; then
  die "--compile needs a Python $PYTHON_VERSION: put python$PYTHON_VERSION on PATH or pass --runtime-python"
fi
if [ "$VERIFY" = 1 ]; then
  [ -n "$RUNTIME_PYTHON" ] || die "--verify needs a Python $PYTHON_VERSION: put python$PYTHON_VERSION on PATH or pass --runtime-python"
  [ "$(uname -m)" = "$MACHINE" ] || die "--verify runs the asset here: build with --arch $(uname -m) to verify on this machine"
fi

mkdir -p "$(dirname "$OUT")"
OUT_PARENT="$(cd "$(dirname "$OUT")" && pwd)"
OUT="${OUT_PARENT%/}/$(basename "$OUT")"
case "$ROOT/" in "$OUT"/*) die "refusing to replace $OUT: it holds the project" ;; esac
if [ -e "$OUT" ] && [ -n "$(ls -A "$OUT" 2>/dev/null)" ] && [ ! -f "$OUT/mangaflow/api/lambda_handler.py" ]; then
  die "refusing to replace $OUT: not empty and not an API asset"
fi

START=$SECONDS
WORK="$(mktemp -d "${TMPDIR:-/tmp}/mangaflow-api-asset.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
STAGE="$WORK/asset"
SRC="$WORK/src"
mkdir -p "$STAGE" "$SRC"

echo "==> API asset for Lambda python$PYTHON_VERSION $ARCH (wheels: $PLATFORM)"
echo "==> dependencies from ${REQUIREMENTS#"$ROOT"/}"
"$UV" pip install --python "$HOST_PYTHON" --target "$STAGE" --link-mode copy \
  --python-platform "$PLATFORM" --python-version "$PYTHON_VERSION" --only-binary :all: \
  -r "$REQUIREMENTS"

# The project from a clean copy of its package only: setuptools then leaves no build/ or
# egg-info in the working tree, and flows/, tasks/ and dashboard/ (Prefect, Streamlit) stay out.
echo "==> mangaflow (--no-deps)"
cp "$ROOT/pyproject.toml" "$ROOT/README.md" "$SRC/"
tar -C "$ROOT" --exclude='__pycache__' --exclude='*.pyc' -cf - mangaflow | tar -C "$SRC" -xf -
"$UV" pip install --python "$HOST_PYTHON" --target "$STAGE" --link-mode copy \
  --python-platform "$PLATFORM" --python-version "$PYTHON_VERSION" --no-deps "$SRC"

# Console scripts (bin/) cannot run on Lambda; caches compiled by another interpreter are dead weight.
rm -rf "$STAGE/bin"
find "$STAGE" -depth -name '__pycache__' -type d -exec rm -rf {} +
find "$STAGE" -name '*.py[co]' -type f -delete

[ -f "$STAGE/mangaflow/api/lambda_handler.py" ] || die "mangaflow/api/lambda_handler.py is missing from the asset"
for pkg in prefect streamlit aws_cdk cdk_nag flows tasks dashboard typer uvicorn fpdf; do
  [ ! -e "$STAGE/$pkg" ] || die "$pkg is in the asset: the API must not need it (check $REQUIREMENTS)"
done
# Every binary wheel must be for the Lambda's architecture (pure-Python ones are *-none-any).
wrong="$(grep -h '^Tag:' "$STAGE"/*.dist-info/WHEEL | grep -v -e '-none-any$' -e "_$UV_ARCH\$" || true)"
[ -z "$wrong" ] || die "wheels for another platform in the asset: $wrong"

if [ "$COMPILE" != "no" ] && [ -n "$RUNTIME_PYTHON" ]; then
  echo "==> precompiling bytecode with $RUNTIME_PYTHON (unchecked-hash)"
  "$RUNTIME_PYTHON" -m compileall -q -j 0 --invalidation-mode unchecked-hash "$STAGE" >/dev/null \
    || die "compileall failed"
elif [ "$COMPILE" = "auto" ]; then
  echo "==> no Python $PYTHON_VERSION here: sources only (--runtime-python to precompile bytecode)"
fi

if [ "$VERIFY" = 1 ]; then
  # -S: only the standard library and the asset on sys.path; -B: write nothing into the asset.
  echo "==> smoke test: $RUNTIME_PYTHON -I -S -B infra/lambdas/api/smoke.py --asset <asset>"
  report="$(env -i PATH=/usr/bin:/bin HOME="$WORK" TMPDIR="$WORK" "$RUNTIME_PYTHON" -I -S -B \
            "$ROOT/infra/lambdas/api/smoke.py" --asset "$STAGE")" \
    || { echo "$report" >&2; die "smoke test failed"; }
  "$HOST_PYTHON" - "$report" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
s = r["seconds"]
print(f"    Python {r['python']}: GET /health -> {r['health']['status']}, "
      f"GET /stories without a token -> {r['no_token']['status']} {r['no_token']['body']['error']['code']}")
print(f"    import handler {s['import_handler']} s, first request (builds the app) "
      f"{s['first_request']} s, warm request {s['warm_request']} s")
PY
fi

rm -rf "$OUT"
mv "$STAGE" "$OUT"

unzipped="$(du -sb "$OUT" | cut -f1)"
if command -v zip >/dev/null 2>&1; then
  (cd "$OUT" && zip -q -r -X "$WORK/asset.zip" .)
else
  "$HOST_PYTHON" -m zipfile -c "$WORK/asset.zip" "$OUT"
fi
zipped="$(stat -c %s "$WORK/asset.zip")"
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo "==> built $OUT in $((SECONDS - START)) s"
echo "    size: $(mib "$unzipped") unzipped, $(mib "$zipped") zipped (Lambda limit: 250 MiB unzipped)"
echo
echo "Deploy with this asset:"
echo "  cd $ROOT/infra && npx cdk deploy --all -c stage=$STAGE_NAME -c apiAssetPath=$OUT"
