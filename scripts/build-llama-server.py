#!/usr/bin/env python3
"""Build llama.cpp's own OpenAI-compatible server once, for the tests of mneme's `openai` backend.

The source is the pinned PyPI source package named under "tools" in assets/models.json (it
carries llama.cpp's full tree, with tools/server), fetched with `pip download`, checked against
its sha256, and built with CMake for this CPU (no network, no web UI, no AMX, no AVX512-FP16: the
same choices as the llama.cpp inside mneme, see vendor/README.md). The binary lands in
~/.cache/mneme/llama-server/<version>/llama-server, outside the clone like the cargo target dir;
a second run finds it and does nothing. Prints the binary's path.

Usage: build-llama-server.py [--cache-dir DIR] [--jobs N]
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = HERE.parent / "assets" / "models.json"


def default_cache_dir() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "mneme" / "llama-server"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tool(name: str) -> dict:
    manifest = json.loads(MANIFEST.read_text())
    for entry in manifest.get("tools", []):
        if entry["name"] == name:
            return entry
    sys.exit(f"build-llama-server: {MANIFEST} names no tool `{name}`")


def fetch_source(spec: dict, work: Path) -> Path:
    subprocess.run(
        [
            sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
            "--no-binary", spec["package"], f"{spec['package']}=={spec['version']}",
            "-d", str(work),
        ],
        check=True,
    )
    archives = list(work.glob("*.tar.gz"))
    if len(archives) != 1:
        sys.exit(f"build-llama-server: expected one source archive, found {archives}")
    archive = archives[0]
    if archive.stat().st_size != spec["size"] or sha256_of(archive) != spec["sha256"]:
        sys.exit(f"build-llama-server: {archive.name} does not match its pinned size and sha256")
    with tarfile.open(archive) as tar:
        tar.extractall(work, filter="data")
    trees = list(work.glob("*/llama.cpp/tools/server"))
    if len(trees) != 1:
        sys.exit("build-llama-server: the source package has no llama.cpp/tools/server")
    return trees[0].parent.parent


def build(source: Path, out: Path, jobs: int) -> None:
    build_dir = source.parent / "build"
    cpu_flags = "-mno-amx-tile -mno-amx-int8 -mno-amx-bf16 -mno-avx512fp16"
    subprocess.run(
        [
            "cmake", "-S", str(source), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release",
            "-DGGML_NATIVE=ON", f"-DCMAKE_C_FLAGS={cpu_flags}", f"-DCMAKE_CXX_FLAGS={cpu_flags}",
            "-DBUILD_SHARED_LIBS=OFF", "-DLLAMA_CURL=OFF", "-DLLAMA_OPENSSL=OFF",
            "-DLLAMA_BUILD_UI=OFF", "-DLLAMA_USE_PREBUILT_UI=OFF", "-DLLAMA_BUILD_TESTS=OFF",
            "-DLLAMA_BUILD_EXAMPLES=OFF", "-DLLAMA_BUILD_TOOLS=ON", "-DLLAMA_BUILD_SERVER=ON",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        ["cmake", "--build", str(build_dir), "--target", "llama-server", "-j", str(jobs)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    built = build_dir / "bin" / "llama-server"
    staged = out.with_suffix(".partial")
    shutil.copy2(built, staged)
    os.replace(staged, out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache-dir", type=Path, default=default_cache_dir())
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    spec = tool("llama-server")
    out = args.cache_dir / spec["version"] / "llama-server"
    if out.is_file():
        print(out)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    print(f"building llama-server {spec['version']} once into {out.parent} …", file=sys.stderr)
    with tempfile.TemporaryDirectory(dir=args.cache_dir) as work:
        source = fetch_source(spec, Path(work))
        build(source, out, args.jobs)
    print(f"built llama-server in {time.monotonic() - started:.0f} s", file=sys.stderr)
    print(out)


if __name__ == "__main__":
    main()
