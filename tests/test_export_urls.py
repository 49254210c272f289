"""`rtlog export s3://…`: logs read by fsspec URL from a real S3 endpoint — moto's server mode
on localhost, spoken to by s3fs over HTTP exactly as AWS would be (the S3 API, listing,
LastModified, ranged reads) — give the same tables as the same logs read from disk; a re-run
reads only new objects; an object that is gone by the time it is read is a row of
`export_errors`, never a lost batch; rtlog's processes and a Dask cluster (`--runslow`) read the URLs alike.
Not tested here: AWS itself (credentials, regions, IAM) and `gs://` (gcsfs: the same fsspec
calls, another package)."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from conftest import EXAMPLES, REPO, generated_log

from rtlog.export import schema as export_schema

pytest.importorskip("s3fs", reason="s3fs (in the test extra) reads s3:// URLs")
moto_server = pytest.importorskip("moto.server", reason="moto[server] (in the test extra) is the local S3 endpoint")

TABLES = list(export_schema.TABLES)
BUCKET = "calls"


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A local S3 endpoint and the environment a process needs to reach it."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_ENDPOINT_URL": f"http://{host}:{port}"}  # fmt: skip
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # for the fsspec calls in this process (and the Dask workers it starts)
    try:
        yield env
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        server.stop()


def fs() -> object:
    import fsspec

    return fsspec.filesystem("s3", skip_instance_cache=True)


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The logs: two examples, a generated call, a gzipped one, and a file that is no log."""
    d = tmp_path_factory.mktemp("local")
    shutil.copy(EXAMPLES / "ga_session.jsonl", d / "a.jsonl")
    shutil.copy(EXAMPLES / "beta_session.jsonl", d / "b.jsonl")
    data, _ = generated_log("beta", "time-source", seed=4, minutes=0.2)
    (d / "c.jsonl").write_bytes(data)
    (d / "d.jsonl.gz").write_bytes(gzip.compress((EXAMPLES / "ulaw_session.jsonl").read_bytes()))
    return d


def upload(local: Path, prefix: str) -> None:
    s = fs()
    if not s.exists(BUCKET):
        s.mkdir(BUCKET)
    for p in sorted(local.iterdir()):
        s.pipe(f"{BUCKET}/{prefix}/{p.name}", p.read_bytes())
    s.pipe(f"{BUCKET}/{prefix}/notes.txt", b"not a log")  # not a log name: not listed


def rtlog(*args: object, env: dict[str, str], code: int = 0) -> subprocess.CompletedProcess:
    r = subprocess.run([sys.executable, "-m", "rtlog", *map(str, args)], capture_output=True, text=True, cwd=REPO,
                       env={**os.environ, **env})  # fmt: skip
    assert r.returncode == code, r.stderr
    return r


def tables(out: Path, prefix: str = "") -> dict[str, list[bytes]]:
    """Each table's rows, the `file` as a name only and without the modification time (S3's
    LastModified is not the disk's), sorted."""
    got = {}
    for t in TABLES:
        rows = []
        for line in (out / f"{t}.jsonl").read_bytes().splitlines():
            r = orjson.loads(line)
            r["file"] = r["file"].rsplit("/", 1)[-1]
            r.pop("file_mtime_ns", None)
            rows.append(orjson.dumps(r, option=orjson.OPT_SORT_KEYS))
        got[t] = sorted(rows)
    return got


def test_s3_objects_export_like_the_same_files_on_disk(tmp_path: Path, s3: dict[str, str], local: Path) -> None:
    upload(local, "day1")
    rtlog("export", local, "-o", tmp_path / "disk", "--format", "jsonl", "-j", "1", env=s3)
    r = rtlog("export", f"s3://{BUCKET}/day1/", "-o", tmp_path / "s3", "--format", "jsonl", "-j", "2", "--json", env=s3)
    obj = orjson.loads(r.stdout)
    assert (obj["inputs"], obj["exported"], obj["failed"]) == (4, 4, 0)
    assert tables(tmp_path / "s3") == tables(tmp_path / "disk")
    names = sorted(orjson.loads(x)["file"] for x in (tmp_path / "s3" / "files.jsonl").read_bytes().splitlines())
    assert names == [f"s3://{BUCKET}/day1/{n}" for n in ("a.jsonl", "b.jsonl", "c.jsonl", "d.jsonl.gz")]
    # a re-run lists the bucket and reads nothing; a new object is the only one read
    obj = orjson.loads(
        rtlog("export", f"s3://{BUCKET}/day1/", "-o", tmp_path / "s3", "--format", "jsonl", "--json", env=s3).stdout
    )
    assert (obj["exported"], obj["unchanged"]) == (0, 4)
    data, _ = generated_log("ga", "none", seed=9, minutes=0.1)
    fs().pipe(f"{BUCKET}/day1/e.jsonl", data)
    obj = orjson.loads(
        rtlog("export", f"s3://{BUCKET}/day1/", "-o", tmp_path / "s3", "--format", "jsonl", "--json", env=s3).stdout
    )
    assert (obj["exported"], obj["unchanged"], obj["rows"]["files"]) == (1, 4, 5)
    # a glob
    obj = orjson.loads(
        rtlog(
            "export", f"s3://{BUCKET}/day1/*.gz", "-o", tmp_path / "glob", "--format", "jsonl", "--json", env=s3
        ).stdout
    )
    assert (obj["inputs"], obj["exported"]) == (1, 1)


def test_a_missing_object_is_one_line_and_a_vanished_one_a_row_of_export_errors(
    tmp_path: Path, s3: dict[str, str], local: Path
) -> None:
    from rtlog.export.run import export, list_inputs
    from rtlog.metrics.pricing import builtin_table

    upload(local, "day2")
    r = rtlog("export", f"s3://{BUCKET}/day2/nope.jsonl", "-o", tmp_path / "x", env=s3, code=2)
    assert (
        r.stderr.startswith(f"rtlog: error: s3://{BUCKET}/day2/nope.jsonl: cannot list: ") and r.stderr.count("\n") == 1
    )
    inputs = list_inputs([f"s3://{BUCKET}/day2/"])
    fs().rm(f"{BUCKET}/day2/b.jsonl")  # gone between the listing and the read
    res = export(inputs, str(tmp_path / "out"), builtin_table(), fmt="jsonl", jobs=1)
    assert (res.exported, res.failed) == (3, 1)
    [err] = [orjson.loads(x) for x in (tmp_path / "out" / "export_errors.jsonl").read_bytes().splitlines()]
    assert err["file"] == f"s3://{BUCKET}/day2/b.jsonl" and err["error"].startswith("cannot read: ")
    assert len((tmp_path / "out" / "files.jsonl").read_bytes().splitlines()) == 3


@pytest.mark.slow  # a LocalCluster's start: 10-20 s on a shared host (rtlog's own processes are tested above)
def test_dask_workers_read_s3_urls_themselves(tmp_path: Path, s3: dict[str, str], local: Path) -> None:
    from distributed import LocalCluster

    upload(local, "day3")
    rtlog("export", local, "-o", tmp_path / "disk", "--format", "jsonl", "-j", "1", env=s3)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
    ) as cluster:
        rtlog(
            "export",
            f"s3://{BUCKET}/day3/",
            "-o",
            tmp_path / "dask",
            "--format",
            "jsonl",
            "--scheduler",
            cluster.scheduler_address,
            env=s3,
        )
    assert tables(tmp_path / "dask") == tables(tmp_path / "disk")
