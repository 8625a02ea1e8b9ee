#!/usr/bin/env bash
# Shared helpers, sourced by scripts/run, scripts/test and bench/run (which cd
# to the repository root first). Debian/Ubuntu only: packages come from apt.

# Everything crmd needs to build, test and benchmark.
CRMD_PACKAGES=(
  build-essential cmake g++ pkg-config ccache
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libpq-dev libssl-dev prometheus-cpp-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libsodium-dev libcrypt-dev python3-jwt libcurl4-openssl-dev
  zlib1g-dev libjemalloc-dev
  # /docs serves python3-flasgger's Swagger UI; tests validate /openapi.json with
  # python3-jsonschema and render /docs in a headless chromium
  python3-flasgger python3-jsonschema chromium
  postgresql postgresql-contrib
  wrk curl
)

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "error: '$*' needs root and sudo is not installed" >&2
    return 1
  fi
}

# Installs whichever of CRMD_PACKAGES are missing; does nothing, not even
# `apt-get update`, when none are.
ensure_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "warning: dpkg-query not found (not Debian?); not checking packages" >&2
    return 0
  fi
  local pkg status missing=()
  for pkg in "${CRMD_PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    if [[ $status != "install ok installed" ]]; then
      missing+=("$pkg")
    fi
  done
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  echo "installing missing packages: ${missing[*]}" >&2
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
}

# Configures (once) and builds everything into build/.
build_crmd() {
  if [[ ! -f build/CMakeCache.txt ]]; then
    cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
  fi
  cmake --build build -j"$(nproc)"
}

# The bin directory of the highest installed PostgreSQL with initdb and pg_ctl.
pg_bin_dir() {
  local dir best=""
  while IFS= read -r dir; do
    if [[ -x $dir/initdb && -x $dir/pg_ctl ]]; then
      best=$dir
    fi
  done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V)
  if [[ -z $best ]]; then
    echo "error: no PostgreSQL server binaries under /usr/lib/postgresql/*/bin" >&2
    return 1
  fi
  printf '%s\n' "$best"
}

# Runs a PostgreSQL server tool. PostgreSQL refuses to run as root, so as root
# it runs as the `postgres` system user (from / so that an unreadable working
# directory does not matter); otherwise as ourselves.
as_pg_user() {
  if [[ $EUID -eq 0 ]]; then
    if ! id -u postgres >/dev/null 2>&1; then
      echo "error: running as root, PostgreSQL refuses to run as root and no 'postgres'" \
        "user exists; install postgresql or run as a normal user" >&2
      return 1
    fi
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# Gives a directory we created to the user PostgreSQL will run as (see as_pg_user).
give_to_pg_user() {
  if [[ $EUID -eq 0 ]]; then
    chown postgres:postgres "$@"
  fi
}
