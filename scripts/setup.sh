#!/usr/bin/env bash
# Installs what `make demo` and `make test` need, and nothing that is already there.
#
#   scripts/setup.sh venv      .venv (python3 -m venv) when missing
#   scripts/setup.sh python    pip install -e '.[dev]' when pyproject.toml changed since the last install
#                              (through uv, pip's settings handed over; pip itself when uv fails)
#   scripts/setup.sh system    tesseract-ocr (with its osd model) and redis-server (apt-get as root; otherwise
#                              says how)
#   scripts/setup.sh browser   chromium + chromium-driver for the browser tests, `make test` only (apt-get as
#                              root; otherwise says how)
#   scripts/setup.sh azurite   node_modules/.bin/azurite-blob via npm ci (package-lock.json) when missing,
#                              or hard links to the node_modules of an earlier install of the same lock file
#   scripts/setup.sh all       all four, in that order
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
STAMP="$VENV/.installed-pyproject.sha256"
#: node_modules installed before, one folder per package-lock.json (see azurite below); rm -r it at will.
NODE_CACHE=${CREDIT_OCR_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/credit-ocr}

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
die() { printf '\033[31m[setup] %s\033[0m\n' "$*" >&2; exit 1; }

sha() { sha256sum "$1" 2>/dev/null | cut -d' ' -f1 || shasum -a 256 "$1" | cut -d' ' -f1; }

venv() {
  if [ -x "$VENV/bin/python" ]; then return; fi
  command -v "$PYTHON" >/dev/null || die "python3 not found: install Python 3.11+ (apt-get install python3 python3-venv, brew install python@3.11, or conda)."
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "$("$PYTHON" --version) is too old: the kit needs Python 3.11+ (set PYTHON=python3.11)."
  say "creating $VENV with $("$PYTHON" --version)"
  "$PYTHON" -m venv "$VENV" || die "python3 -m venv failed: install the venv module (apt-get install python3-venv)."
}

python_deps() {
  venv
  local want; want=$(sha pyproject.toml)
  if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then return; fi
  say "installing the package and its dev tools (pip install -e '.[dev]', through uv when it can)"
  if ! uv_install; then
    say "uv could not install them: pip does it (about a minute)"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e '.[dev]'
  fi
  echo "$want" > "$STAMP"
}

# The same install as pip's, through uv: 5-10 s instead of pip's 40-60 s (pip unpacks ~150 wheels one by
# one; uv links them from its cache). uv does not read pip's configuration, so pip's own settings
# (`pip config list`: files and PIP_* variables) are handed over: indexes, find-links, constraints, the
# certificates; `unsafe-best-match` picks versions across the indexes as pip does. Any failure (no uv
# for this platform, no network) returns 1, and pip does the install.
uv_install() {
  local uv key value item index="" cert="${SSL_CERT_FILE:-}"
  # --compile-bytecode: pip compiles every module it installs, uv only when asked; without the .pyc files
  # each process compiles what it imports (2-3 s of CPU for a worker when PYTHONDONTWRITEBYTECODE is set)
  local -a args=(--python "$VENV/bin/python" --index-strategy unsafe-best-match --compile-bytecode)
  uv=$(command -v uv || true)
  if [ -z "$uv" ]; then
    "$VENV/bin/python" -m pip install --quiet uv >/dev/null 2>&1 || return 1
    uv="$VENV/bin/uv"
  fi
  while IFS='=' read -r key value; do
    value=${value#\'}; value=${value%\'}
    for item in $value; do
      case "${key##*.}" in
        index-url) index=$item ;;  # the last one listed wins, as in pip (its variables come last)
        extra-index-url) args+=(--extra-index-url "$item") ;;
        find-links) args+=(--find-links "$item") ;;
        constraint) args+=(--constraint "$item") ;;
        cert) cert=${SSL_CERT_FILE:-$item} ;;
      esac
    done
  done < <("$VENV/bin/python" -m pip config list 2>/dev/null)
  if [ -n "$index" ]; then args+=(--index-url "$index"); fi
  env ${cert:+SSL_CERT_FILE="$cert"} "$uv" pip install --quiet "${args[@]}" -e '.[dev]'
}

# program -> Debian package, Homebrew formula, conda-forge package
PROGRAMS="tesseract:tesseract-ocr:tesseract:tesseract redis-server:redis-server:redis:redis-server"

# tesseract's models: orientation (turned pages; Debian's tesseract-ocr depends on tesseract-ocr-osd,
# Homebrew's and conda-forge's tesseract ship it; a trimmed install may still lack it) and German (the
# default CREDIT_OCR_OCR_LANG=eng+deu reads umlauts and ß; Debian's tesseract-ocr-deu, Homebrew's
# tesseract-lang).
has_model() {
  local folder
  for folder in "${TESSDATA_PREFIX:-}" "${CREDIT_OCR_TESSDATA:-}" "$VENV/share/tessdata" /usr/share/tesseract-ocr/*/tessdata \
      /usr/share/tessdata /usr/local/share/tessdata /opt/homebrew/share/tessdata /usr/local/share/tesseract-ocr/*/tessdata; do
    [ -n "$folder" ] && [ -f "$folder/$1.traineddata" ] && return 0
  done
  return 1
}

system_deps() {
  local missing_apt="" missing_brew="" missing_conda="" entry prog apt brew conda
  for entry in $PROGRAMS; do
    IFS=: read -r prog apt brew conda <<<"$entry"
    if ! command -v "$prog" >/dev/null; then
      missing_apt+=" $apt"; missing_brew+=" $brew"; missing_conda+=" $conda"
    fi
  done
  if command -v tesseract >/dev/null && ! has_model osd; then
    missing_apt+=" tesseract-ocr-osd"; missing_brew+=" tesseract"; missing_conda+=" tesseract"
  fi
  if ! has_model deu; then
    missing_apt+=" tesseract-ocr-deu"; missing_brew+=" tesseract-lang"; missing_conda+=" tesseract"
  fi
  [ -z "$missing_apt" ] && return
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    say "installing${missing_apt} with apt-get"
    # shellcheck disable=SC2086
    if ! apt-cache show $missing_apt >/dev/null 2>&1; then
      apt-get update -qq
    fi
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing_apt
    return
  fi
  die "missing:${missing_apt}. Install them with one of
    Debian/Ubuntu:  sudo apt-get install -y${missing_apt}
    macOS:          brew install${missing_brew}
    conda:          conda install -c conda-forge${missing_conda}   (or: conda env create -f environment.yml)
  then run make again. (Without tesseract's German model, CREDIT_OCR_OCR_LANG=eng reads English only:
  no umlauts or ß.)"
}

# The browser of tests/browser (JupyterLab driven by Playwright, with Debian's chromium: Playwright's own
# browser downloads are not used). CREDIT_OCR_CHROMIUM names another Chromium or Chrome program.
browser() {
  if [ -n "${CREDIT_OCR_CHROMIUM:-}" ] && [ -x "$CREDIT_OCR_CHROMIUM" ]; then return; fi
  if command -v chromium >/dev/null; then return; fi
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    say "installing chromium and chromium-driver with apt-get (for the browser tests)"
    apt-cache show chromium chromium-driver >/dev/null 2>&1 || apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver
    return
  fi
  say "chromium not found: the browser tests (tests/browser) will fail until it is installed:
    Debian/Ubuntu:  sudo apt-get install -y chromium chromium-driver
    macOS:          brew install --cask chromium, then export CREDIT_OCR_CHROMIUM=/Applications/Chromium.app/Contents/MacOS/Chromium
    elsewhere:      install Chromium or Chrome and set CREDIT_OCR_CHROMIUM to its program
  (\`playwright install\` is not needed: the tests use the system's browser.)"
}

azurite() {
  if [ -x node_modules/.bin/azurite-blob ]; then return; fi
  if ! command -v npm >/dev/null; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
      say "installing nodejs and npm with apt-get (for Azurite)"
      apt-cache show nodejs npm >/dev/null 2>&1 || apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm
    else
      say "npm not found: Azurite tests will be skipped. Install Node.js (apt-get install nodejs npm," \
        "brew install node, or conda install -c conda-forge nodejs), then run make again."
      return
    fi
  fi
  if [ ! -f package-lock.json ]; then
    say "installing Azurite (npm)"
    npm install --no-audit --no-fund --loglevel=error
    return
  fi
  # npm ci writes 54,000 files (20-30 s of a core); a checkout of the same package-lock.json installed
  # before on this machine left them in the cache: hard links to them take a second. The cache is only
  # ever read by copying, and written whole (a finished install, renamed into place).
  local cache; cache="$NODE_CACHE/node_modules-$(sha package-lock.json)"
  rm -rf node_modules
  if [ -x "$cache/.bin/azurite-blob" ] && cp -al "$cache" node_modules 2>/dev/null; then
    say "Azurite linked from $cache (npm ci: the same package-lock.json)"
    return
  fi
  rm -rf node_modules
  say "installing Azurite (npm)"
  # the lock file pins every package: the ones in npm's cache are taken without asking the registry again
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error
  if [ ! -d "$cache" ] && mkdir -p "$NODE_CACHE" && cp -al node_modules "$cache.$$" 2>/dev/null; then
    mv -T "$cache.$$" "$cache" 2>/dev/null || true  # another checkout may have put it there first
  fi
  rm -rf "$cache.$$"
}

case "${1:-all}" in
  venv) venv ;;
  python) python_deps ;;
  system) system_deps ;;
  browser) browser ;;
  azurite) azurite ;;
  all) python_deps; system_deps; browser; azurite ;;
  *) die "usage: $0 venv|python|system|browser|azurite|all" ;;
esac
