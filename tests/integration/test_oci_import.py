# SPDX-License-Identifier: MIT
"""Images users bring from Docker, end to end: a `docker save` tarball and an
OCI image layout, built here (there is no Docker engine: they are tar + JSON)
from the static busybox of the test rootfs in several layers with a whiteout
and an opaque directory, imported with `coderunner images import --name
--version`, then run with `coderunner run --image`, and named as a runtime's
image in a catalogue."""

import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile

import pytest

MTIME = 1700000000


def _tar(entries, compress=False):
    """entries: (kind, path, data_or_target, mode) with kind d, f, l."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for kind, path, data, mode in entries:
            ti = tarfile.TarInfo(path)
            ti.mtime, ti.uid, ti.gid = MTIME, 0, 0
            if kind == "d":
                ti.type, ti.mode = tarfile.DIRTYPE, mode or 0o755
                t.addfile(ti)
            elif kind == "l":
                ti.type, ti.linkname, ti.mode = tarfile.SYMTYPE, data, 0o777
                t.addfile(ti)
            else:
                ti.size, ti.mode = len(data), mode or 0o644
                t.addfile(ti, io.BytesIO(data))
    raw = buf.getvalue()
    return (gzip.compress(raw, mtime=0) if compress else raw), raw


def layers(rootfs):
    """Three layers: busybox and files; whiteouts, an opaque dir, a
    replacement; a script. Returns [(blob, uncompressed)]."""
    with open(os.path.join(rootfs, "bin", "busybox"), "rb") as f:
        busybox = f.read()
    base = [("d", "bin", None, 0), ("f", "bin/busybox", busybox, 0o755)]
    base += [("l", "bin/" + a, "busybox", 0) for a in ("sh", "cat", "ls", "echo", "id", "test")]
    base += [("d", "etc", None, 0), ("f", "etc/keep", b"keep\n", 0), ("f", "etc/gone", b"gone\n", 0),
             ("d", "opt/old/sub", None, 0), ("f", "opt/old/x", b"old\n", 0), ("f", "opt/old/sub/y", b"y\n", 0),
             ("f", "usr/lib/tool.txt", b"v1\n", 0)]
    changes = [("f", "etc/.wh.gone", b"", 0), ("f", "opt/old/.wh..wh..opq", b"", 0),
               ("f", "opt/old/new", b"new\n", 0), ("f", "usr/lib/tool.txt", b"v2\n", 0)]
    top = [("f", "hello.sh", b"#!/bin/sh\necho hello from layer 3\n", 0o755)]
    return [base, changes, top]


def sha(b):
    return hashlib.sha256(b).hexdigest()


def config_json(raws):
    return json.dumps({"architecture": "amd64", "os": "linux", "config": {"Env": ["PATH=/bin"]},
                       "rootfs": {"type": "layers", "diff_ids": ["sha256:" + sha(r) for r in raws]}}).encode()


def add_member(t, name, data):
    ti = tarfile.TarInfo(name)
    ti.size, ti.mtime, ti.mode = len(data), MTIME, 0o644
    t.addfile(ti, io.BytesIO(data))


def docker_save(path, rootfs):
    """The docker save format before Docker 25: ID/layer.tar, HEX.json,
    manifest.json, repositories."""
    blobs = [_tar(l) for l in layers(rootfs)]
    config = config_json([raw for _, raw in blobs])
    names = []
    with tarfile.open(path, "w") as t:
        for i, (blob, _) in enumerate(blobs):
            layer_id = sha(b"layer%d" % i)
            add_member(t, layer_id + "/VERSION", b"1.0")
            add_member(t, layer_id + "/layer.tar", blob)
            names.append(layer_id + "/layer.tar")
        add_member(t, sha(config) + ".json", config)
        add_member(t, "manifest.json", json.dumps([{"Config": sha(config) + ".json",
                                                    "RepoTags": ["coderunner-cpp:latest"],
                                                    "Layers": names}]).encode())
        add_member(t, "repositories", b'{"coderunner-cpp":{"latest":"x"}}')


def oci_layout(path, rootfs):
    """An OCI image layout directory with gzip layers."""
    blobs = [_tar(l, compress=True) for l in layers(rootfs)]
    os.makedirs(os.path.join(path, "blobs", "sha256"))

    def put(data):
        with open(os.path.join(path, "blobs", "sha256", sha(data)), "wb") as f:
            f.write(data)
        return {"digest": "sha256:" + sha(data), "size": len(data)}

    config = config_json([raw for _, raw in blobs])
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": dict(put(config), mediaType="application/vnd.oci.image.config.v1+json"),
        "layers": [dict(put(b), mediaType="application/vnd.oci.image.layer.v1.tar+gzip") for b, _ in blobs],
    }).encode()
    index = {"schemaVersion": 2, "manifests": [dict(put(manifest),
                                                    mediaType="application/vnd.oci.image.manifest.v1+json")]}
    with open(os.path.join(path, "index.json"), "w") as f:
        json.dump(index, f)
    with open(os.path.join(path, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)


@pytest.fixture
def store(rootfs):
    # next to the test rootfs: the sandbox uid must be able to reach the tree
    d = tempfile.mkdtemp(prefix="oci-store.", dir=os.path.dirname(rootfs))
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def images(coderunner_bin, store, *args, check=True):
    p = subprocess.run([coderunner_bin, "images", "--store", store, *args], capture_output=True, timeout=120)
    if check:
        assert p.returncode == 0, p.stderr.decode()
    return p


def run_image(coderunner_bin, store, ref, script):
    p = subprocess.run([coderunner_bin, "run", "--image-store", store, "--image", ref, "--", "sh", "-c", script],
                       capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr.decode()
    return p.stdout.decode()


CHECK = ("/hello.sh; cat /etc/keep; test ! -e /etc/gone && echo gone-is-gone; ls /opt/old; "
         "cat /usr/lib/tool.txt; id -u")


def test_docker_save_tarball_imports_and_runs(coderunner_bin, rootfs, store, tmp_path):
    tarball = str(tmp_path / "coderunner-cpp.tar")
    docker_save(tarball, rootfs)
    p = images(coderunner_bin, store, "import", tarball, "--name", "coderunner-cpp", "--version", "latest")
    assert b"Imported coderunner-cpp@latest from docker-save" in p.stdout
    out = run_image(coderunner_bin, store, "coderunner-cpp@latest", CHECK)
    # layer 3's script, layer 1's file, layer 2's whiteout, opaque dir and replacement
    assert out == "hello from layer 3\nkeep\ngone-is-gone\nnew\nv2\n1000\n"
    listing = json.loads(images(coderunner_bin, store, "list", "--json").stdout)
    assert [(i["ref"], i["source"]) for i in listing] == [("coderunner-cpp@latest", "docker-save")]
    # the listing is the image's own record, plus where it is
    with open(os.path.join(store, "coderunner-cpp@latest", "image.json")) as f:
        record = json.load(f)
    assert listing[0] == dict(record, ref="coderunner-cpp@latest",
                              rootfs=os.path.join(os.path.realpath(store), "coderunner-cpp@latest", "rootfs"))
    with open(os.path.join(store, "coderunner-cpp@latest", "manifest.json")) as f:
        manifest = json.load(f)
    assert manifest["source"]["tag"] == "coderunner-cpp:latest" and len(manifest["source"]["layers"]) == 3
    # the same image again is a no-op; verify finds the tree intact
    assert b"already present" in images(coderunner_bin, store, "import", tarball, "--name", "coderunner-cpp",
                                        "--version", "latest").stdout
    images(coderunner_bin, store, "verify", "coderunner-cpp@latest")


def test_oci_layout_directory_imports_and_runs(coderunner_bin, rootfs, store, tmp_path):
    layout = str(tmp_path / "layout")
    oci_layout(layout, rootfs)
    p = images(coderunner_bin, store, "import", layout, "--name", "mine", "--version", "2.0")
    assert b"from oci-layout" in p.stdout
    assert run_image(coderunner_bin, store, "mine", CHECK) == "hello from layer 3\nkeep\ngone-is-gone\nnew\nv2\n1000\n"


def test_import_needs_name_and_version(coderunner_bin, rootfs, store, tmp_path):
    tarball = str(tmp_path / "x.tar")
    docker_save(tarball, rootfs)
    p = images(coderunner_bin, store, "import", tarball, "--name", "x", check=False)
    assert p.returncode == 2 and b"needs --name and --version" in p.stderr
    p = images(coderunner_bin, store, "import", tarball, "--name", "Bad/Name", "--version", "1", check=False)
    assert p.returncode == 2 and b"invalid image name" in p.stderr
    assert os.listdir(store) in ([], [".lock"])


def test_catalogue_entry_names_an_imported_image(coderunner_bin, rootfs, store, tmp_path):
    """A runtime of the operator's own whose image came from Docker."""
    tarball = str(tmp_path / "shell.tar")
    docker_save(tarball, rootfs)
    images(coderunner_bin, store, "import", tarball, "--name", "myshell", "--version", "1.0")
    datadir = tmp_path / "data"
    (datadir / "rootfs" / "runtimes").mkdir(parents=True)
    shutil.copytree(os.path.join(os.environ["CODERUNNER_DATADIR"], "seccomp"), datadir / "seccomp")
    limits = {"time_ms": 2000, "wall_ms": 5000, "memory_bytes": 134217728, "pids": 16}
    (datadir / "rootfs" / "runtimes" / "shell.json").write_text(json.dumps({
        "id": "shell", "aliases": ["sh"], "image": "myshell", "source_file": "main.sh", "compile": None,
        "run": {"argv": ["/bin/sh", "/box/main.sh"], "limits": limits},
        "env": {"PATH": "/bin", "HOME": "/box"}, "seccomp_profile": "default"}))
    prog = tmp_path / "prog.sh"
    prog.write_text("echo from the catalogue; cat /usr/lib/tool.txt\n")
    env = dict(os.environ, CODERUNNER_DATADIR=str(datadir), CODERUNNER_IMAGE_STORE=store)
    p = subprocess.run([coderunner_bin, "runtimes", "--json"], env=env, capture_output=True, check=True)
    assert [(r["id"], r["version"], r["default"]) for r in json.loads(p.stdout)] == [("shell", "1.0", True)]
    p = subprocess.run([coderunner_bin, "run", "--lang", "sh@1.0", "--file", str(prog), "--json"], env=env,
                       capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr.decode()
    r = json.loads(p.stdout)
    assert (r["runtime"], r["version"], r["status"], r["stdout"]) == ("shell", "1.0", "OK",
                                                                     "from the catalogue\nv2\n")
