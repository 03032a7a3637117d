#!/usr/bin/env bash
# Provision everything relaygen needs on Debian 12, then build relaygen.
#
#   ./scripts/setup.sh            # packages + llama.cpp (cached) + relaygen build
#   LLAMA_CPP_DIR=/path ./scripts/setup.sh   # use a llama.cpp install prefix or source tree
#
# llama.cpp is built once into $RELAYGEN_CACHE (default ~/.cache/relaygen), keyed by release, and
# reused afterwards: changing relaygen's code never rebuilds llama.cpp. The script is idempotent.
#
# Options (environment):
#   LLAMA_CPP_DIR      install prefix (has include/llama.h) or source tree (has CMakeLists.txt)
#   RELAYGEN_CACHE     cache root (default: $HOME/.cache/relaygen)
#   RELAYGEN_NO_APT=1  skip Debian packages (already installed, or not root)
#   RELAYGEN_TORCH=1   also install libtorch for the testbed trainer (`relaygen testbed train`)
#   RELAYGEN_BUILD=0   provision only; don't build relaygen
#   RELAYGEN_CUDA=1    llama.cpp with CUDA for Hopper (sm_90 only, the kernels a GGUF of the testbed's
#                      and Qwen's types needs), in its own prefix (…/install-cuda), and relaygen in
#                      build-cuda/; the CPU prefix, build/ and the llama-prefix file stay untouched.
#                      Needs nvcc (the CUDA toolkit). scripts/gpu_check.sh runs it.
set -euo pipefail

LLAMA_RELEASE=v0.4.0
# Bumped whenever the way llama.cpp is built changes, so a cached build of an older recipe is not
# reused. 2 built without AMX; 3 builds natively again (AMX included): relaygen itself keeps
# quantized weights away from AMX where a VM lists it but faults (src/engine/amx_guard.h), and F16
# weights keep AMX's faster kernels.
LLAMA_RECIPE=3
NPM_PACKAGE=node-llama-cpp@3.21.1
CACHE=${RELAYGEN_CACHE:-$HOME/.cache/relaygen}
REPO=$(cd "$(dirname "$0")/.." && pwd)
JOBS=$(nproc 2>/dev/null || echo 2)
CUDA=${RELAYGEN_CUDA:-0}
# CUDA: one architecture, no NCCL, FlashAttention only for the default cache types (the build's
# bulk is kernel instances per architecture and type: this keeps it to a few minutes on 16 cores).
LLAMA_CUDA_FLAGS=(-DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 -DGGML_CUDA_NCCL=OFF -DGGML_CUDA_FA_ALL_QUANTS=OFF)

say()  { echo "[setup] $*" >&2; }
die()  { echo "[setup] error: $*" >&2; exit 1; }

install_packages() {
  [ "${RELAYGEN_NO_APT:-0}" = 1 ] && { say "skipping Debian packages (RELAYGEN_NO_APT=1)"; return; }
  local pkgs=(build-essential cmake ninja-build git patchelf pkg-config nlohmann-json3-dev libcpp-httplib-dev
              libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev gnuplot-nox curl clang
              libclang-rt-14-dev)
  # Node.js fetches llama.cpp (npm) and runs the openai client of serve's tests; keep one already there.
  command -v npm >/dev/null || pkgs+=(npm)
  [ "${RELAYGEN_TORCH:-0}" = 1 ] && pkgs+=(libtorch-dev libopenblas0-openmp)
  local missing=()
  for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && { say "Debian packages present"; return; }
  command -v apt-get >/dev/null || die "apt-get not found; install by hand: ${missing[*]}"
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  say "installing: ${missing[*]}"
  $sudo apt-get update -qq || die "apt-get update failed (no network to the Debian mirror?)"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null \
    || die "apt-get install failed for: ${missing[*]}"
}

# Prints the llama.cpp source tree to build, fetching it from npm if needed.
llama_source() {
  local src="$CACHE/llama.cpp-$LLAMA_RELEASE/src"
  if [ -f "$src/CMakeLists.txt" ]; then echo "$src"; return; fi
  command -v npm >/dev/null || die "npm not found: install nodejs+npm (apt-get install npm) or set LLAMA_CPP_DIR"
  command -v git >/dev/null || die "git not found (apt-get install git)"
  local tmp; tmp=$(mktemp -d)
  say "fetching $NPM_PACKAGE from the npm registry"
  (cd "$tmp" && npm pack --silent "$NPM_PACKAGE" >/dev/null 2>"$tmp/npm.log") \
    || die "npm pack $NPM_PACKAGE failed (no network to the npm registry?): $(tail -3 "$tmp/npm.log")"
  tar -xzf "$tmp"/node-llama-cpp-*.tgz -C "$tmp" package/llama
  local tag; tag=$(sed -n 's/.*"tag": *"\([^"]*\)".*/\1/p' "$tmp/package/llama/llama.cpp.info.json")
  [ "$tag" = "$LLAMA_RELEASE" ] || die "$NPM_PACKAGE ships llama.cpp '$tag', expected $LLAMA_RELEASE"
  mkdir -p "$(dirname "$src")"
  git clone -q "$tmp/package/llama/gitRelease.bundle" "$src.tmp" 2>/dev/null || die "git clone of the bundle failed"
  mv "$src.tmp" "$src"
  rm -rf "$tmp"
  echo "$src"
}


# Builds a llama.cpp source tree into $2 (install prefix) unless already there.
build_llama() {
  local src=$1 prefix=$2 build=$2.build
  if [ -f "$prefix/.complete" ]; then say "llama.cpp cached at $prefix"; return; fi
  command -v cmake >/dev/null || die "cmake not found (apt-get install cmake)"
  command -v c++ >/dev/null || die "no C++ compiler (apt-get install build-essential)"
  say "building llama.cpp ($src) -> $prefix  [one-time, ~5 min on 2 cores]"
  local gen=(); command -v ninja >/dev/null && gen=(-G Ninja)
  local backend=()
  if [ "$CUDA" = 1 ]; then
    command -v nvcc >/dev/null || die "RELAYGEN_CUDA=1 needs nvcc (the CUDA toolkit) on PATH"
    backend=("${LLAMA_CUDA_FLAGS[@]}")
  fi
  cmake -S "$src" -B "$build" "${gen[@]}" "${backend[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
    -DBUILD_SHARED_LIBS=ON -DGGML_NATIVE=ON -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=ON -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON \
    -DLLAMA_BUILD_APP=OFF -DCMAKE_BUILD_RPATH="$build/bin" >"$build.log" 2>&1 \
    || die "llama.cpp configure failed: see $build.log"
  # Only what relaygen uses: the library, the server, and the reference tools its tests compare against.
  cmake --build "$build" -j "$JOBS" --target llama llama-server llama-bench llama-completion llama-simple \
    >>"$build.log" 2>&1 || die "llama.cpp build failed: see $build.log"
  # A minimal prefix: headers, shared libraries, tools, and the vocab-only GGUFs tests tokenize with.
  mkdir -p "$prefix/include" "$prefix/lib" "$prefix/bin" "$prefix/share/llama.cpp"
  cp -f "$src"/include/llama*.h "$src"/ggml/include/*.h "$prefix/include/"
  cp -a "$build"/bin/lib*.so* "$prefix/lib/"
  cp -f "$build"/bin/llama-server "$build"/bin/llama-bench "$build"/bin/llama-completion \
        "$build"/bin/llama-simple "$prefix/bin/"
  cp -f "$src"/models/ggml-vocab-*.gguf "$prefix/share/llama.cpp/"
  # Tools find their libraries next to the prefix, not the build tree.
  if command -v patchelf >/dev/null; then
    for b in "$prefix"/bin/*; do patchelf --set-rpath "$prefix/lib" "$b"; done
  fi
  touch "$prefix/.complete"
}

resolve_llama() {
  if [ -n "${LLAMA_CPP_DIR:-}" ]; then
    [ -d "$LLAMA_CPP_DIR" ] || die "LLAMA_CPP_DIR=$LLAMA_CPP_DIR is not a directory"
    if [ -f "$LLAMA_CPP_DIR/include/llama.h" ] && ls "$LLAMA_CPP_DIR"/lib*/libllama.* >/dev/null 2>&1; then
      say "using llama.cpp install at $LLAMA_CPP_DIR"; echo "$LLAMA_CPP_DIR"; return
    fi
    [ -f "$LLAMA_CPP_DIR/CMakeLists.txt" ] || die "LLAMA_CPP_DIR has neither include/llama.h+lib nor CMakeLists.txt"
    local key; key=$(echo -n "$(cd "$LLAMA_CPP_DIR" && pwd)" | md5sum | cut -c1-12)
    local suffix=".r$LLAMA_RECIPE"; [ "$CUDA" = 1 ] && suffix="$suffix-cuda"
    build_llama "$LLAMA_CPP_DIR" "$CACHE/llama.cpp-src-$key/install$suffix"
    echo "$CACHE/llama.cpp-src-$key/install$suffix"; return
  fi
  local prefix="$CACHE/llama.cpp-$LLAMA_RELEASE/install.r$LLAMA_RECIPE"
  [ "$CUDA" = 1 ] && prefix="$prefix-cuda"
  if [ ! -f "$prefix/.complete" ]; then build_llama "$(llama_source)" "$prefix"; fi
  echo "$prefix"
}

# The npm `openai` client that serve's tests talk to relaygen serve with, into the cache (not the
# repo). Optional for building; the test that uses it fails without it (CI) or skips.
install_openai_client() {
  local dir="$CACHE/npm" version=4.95.0
  if grep -q "\"version\": \"$version\"" "$dir/node_modules/openai/package.json" 2>/dev/null; then
    say "npm openai@$version present"; return
  fi
  command -v npm >/dev/null || { say "npm not found: skipping the openai client for serve's tests"; return; }
  mkdir -p "$dir"
  say "installing npm openai@$version into $dir"
  (cd "$dir" && npm install --silent --no-audit --no-fund --prefix . "openai@$version" >"$dir/npm.log" 2>&1) \
    || say "warning: npm install openai failed (see $dir/npm.log)"
}

install_packages
install_openai_client
LLAMA_PREFIX=$(resolve_llama)
mkdir -p "$CACHE"
BUILD_DIR=$REPO/build
if [ "$CUDA" = 1 ]; then
  BUILD_DIR=$REPO/build-cuda  # the CPU build and its llama-prefix file stay as they are
else
  echo "$LLAMA_PREFIX" > "$CACHE/llama-prefix"   # read by CMakeLists.txt when -DLLAMA_PREFIX is not given
fi
say "llama.cpp prefix: $LLAMA_PREFIX"

if [ "${RELAYGEN_BUILD:-1}" = 1 ]; then
  say "building relaygen in $BUILD_DIR"
  cmake -S "$REPO" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLLAMA_PREFIX="$LLAMA_PREFIX" >/dev/null
  cmake --build "$BUILD_DIR" -j "$JOBS"
fi
say "done"
