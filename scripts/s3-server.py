#!/usr/bin/env python3
"""A real S3-compatible server on loopback, for the tests of memory on object storage.

The server is moto (PyPI, pinned under "tools" in assets/models.json: version and the wheel's
sha256; its dependencies pinned in assets/s3-server-requirements.txt). `setup` installs it once
into a virtual environment in ~/.cache/mneme/s3-server/<version>/, outside the clone like the
cargo target dir; a second run finds it and does nothing. `serve` runs it.

Why moto: it is obtainable here (the registries only), needs no build, and answers S3's
conditional writes (`If-None-Match: *` and `If-Match` on PUT), which Lance's commits rely on.
moto checks the condition and then writes in two steps, so `serve` handles one request at a
time: the check-and-write is then atomic, as it is on S3, and two mneme daemons racing to commit
the same version see a real 412 conflict.

`serve` prints `ready PORT` once the bucket exists, then reads commands on stdin:
  down  close the port and cut open connections (the server goes offline, data kept)
  up    listen again on the same port, with the same data
End of stdin stops the server, so it never outlives the test that started it.

Usage: s3-server.py setup [--cache-dir DIR]
       s3-server.py serve --bucket NAME [--port N] [--cache-dir DIR]
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = HERE.parent / "assets" / "models.json"
REQUIREMENTS = HERE.parent / "assets" / "s3-server-requirements.txt"


def default_cache_dir() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "mneme" / "s3-server"


def tool(name: str) -> dict:
    manifest = json.loads(MANIFEST.read_text())
    for entry in manifest.get("tools", []):
        if entry["name"] == name:
            return entry
    sys.exit(f"s3-server: {MANIFEST} names no tool `{name}`")


def venv_python(cache_dir: Path) -> Path:
    return cache_dir / tool("s3-server")["version"] / "venv" / "bin" / "python"


def setup(cache_dir: Path) -> Path:
    """Installs the pinned server once; returns the environment's python."""
    spec = tool("s3-server")
    python = venv_python(cache_dir)
    done = python.parent.parent / ".installed"
    if done.is_file():
        return python
    root = python.parent.parent
    root.parent.mkdir(parents=True, exist_ok=True)
    print(f"installing {spec['package']} {spec['version']} once into {root} …", file=sys.stderr)
    with tempfile.TemporaryDirectory(dir=root.parent) as work:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
             f"{spec['package']}=={spec['version']}", "-d", work],
            check=True,
        )
        wheels = list(Path(work).glob("*.whl"))
        if len(wheels) != 1:
            sys.exit(f"s3-server: expected one wheel, found {wheels}")
        wheel = wheels[0]
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if wheel.stat().st_size != spec["size"] or digest != spec["sha256"]:
            sys.exit(f"s3-server: {wheel.name} does not match its pinned size and sha256")
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(root)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "--only-binary", ":all:", "--no-deps", "-r", str(REQUIREMENTS), str(wheel)],
            check=True,
        )
    done.write_text(spec["version"] + "\n")
    return python


def serve(bucket: str, port: int) -> None:
    """Runs inside the environment `setup` made."""
    import logging
    import socket
    import threading
    import urllib.request

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = DomainDispatcherApplication(create_backend_app)
    one_at_a_time = threading.Lock()
    connections: set = set()
    connections_lock = threading.Lock()

    def serialised(environ, start_response):
        with one_at_a_time:
            body = app(environ, start_response)
            try:
                return [b"".join(body)]
            finally:
                if hasattr(body, "close"):
                    body.close()

    class TrackedHandler(MotoRequestHandler):
        def setup(self):
            super().setup()
            with connections_lock:
                connections.add(self.connection)

        def finish(self):
            with connections_lock:
                connections.discard(self.connection)
            super().finish()

    def start(at_port: int):
        server = make_server("127.0.0.1", at_port, serialised, threaded=True, request_handler=TrackedHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    server = start(port)
    port = server.server_address[1]
    # moto tells services apart by the credential scope; it does not check signatures.
    scope = "AWS4-HMAC-SHA256 Credential=mneme/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0"
    create = urllib.request.Request(f"http://127.0.0.1:{port}/{bucket}", method="PUT", headers={"Authorization": scope})
    urllib.request.urlopen(create).read()
    print(f"ready {port}", flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "down" and server is not None:
            server.shutdown()
            server.server_close()
            with connections_lock:
                for conn in list(connections):
                    try:
                        conn.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
            server = None
            print("down", flush=True)
        elif command == "up" and server is None:
            server = start(port)
            print(f"ready {port}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["setup", "serve"])
    parser.add_argument("--cache-dir", type=Path, default=default_cache_dir())
    parser.add_argument("--bucket", default="mneme")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--in-env", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.command == "setup":
        print(setup(args.cache_dir))
    elif args.in_env:
        serve(args.bucket, args.port)
    else:
        python = setup(args.cache_dir)
        os.execv(str(python), [str(python), __file__, "serve", "--in-env", "--bucket", args.bucket,
                               "--port", str(args.port)])


if __name__ == "__main__":
    main()
