#!/usr/bin/env bash
# Installs the system packages mneme's build needs (Debian), or prints the exact command when not root.
set -euo pipefail

missing=()
need() { # need PACKAGE TEST-COMMAND...
  local pkg=$1; shift
  "$@" >/dev/null 2>&1 || missing+=("$pkg")
}
need cmake            command -v cmake
need clang            command -v clang
need libclang-dev     bash -c 'ls /usr/lib/llvm-*/lib/libclang*.so* /usr/lib/x86_64-linux-gnu/libclang*.so* 2>/dev/null | grep -q .'
need protobuf-compiler command -v protoc
need mold             command -v mold
need tmux             command -v tmux
need python3          command -v python3
need python3-pip      python3 -m pip --version
need python3-venv     python3 -c "import ensurepip, venv"   # the S3 test server's environment (scripts/s3-server.py)

if ! command -v cargo >/dev/null 2>&1; then
  echo "install-deps: cargo is missing: install Rust with rustup first" >&2
  exit 1
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
cmd="apt-get install -y ${missing[*]}"
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}"
else
  echo "install-deps: missing system packages: ${missing[*]}" >&2
  echo "install-deps: run as root: apt-get update && $cmd" >&2
  exit 1
fi
