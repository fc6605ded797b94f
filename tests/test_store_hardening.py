"""Sweep output folders: damaged chunks, stray files, a damaged sweep.json, the lock.

Each damaged store is resumed to rows identical to an undamaged run; every bad
input is a StoreError (a FeasimError: the CLI exits 2) with a clear message.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pandas as pd
import pytest

import feasim
from feasim.cli import main
from feasim.sweep import ChunkStore, StoreError, Sweep, run_sweep
from feasim.sweep import runner as sweep_runner

from .conftest import BASE_YAML, SCENARIOS, make_not_a_file, scenario_from

N_CHUNKS = 5


@pytest.fixture(scope="module")
def sweep():
    return Sweep(scenario_from(BASE_YAML),
                 {"theatre.line_km": {"low": 200, "high": 2000},
                  "force.basis": {"values": ["in_theatre", "committed"]}},
                 design={"method": "lhs", "points": 40, "seed": 5}, chunk_points=8,
                 outputs=["troops_per_km", "fill_ratio"], samples_per_point=2)


@pytest.fixture(scope="module")
def clean(sweep, tmp_path_factory):
    """An undamaged, finished store and its rows."""
    out = tmp_path_factory.mktemp("clean") / "out"
    rows = run_sweep(sweep, out, executor="serial").to_dataframe()
    assert sweep.n_chunks == N_CHUNKS and len(rows) == 40
    return out, rows


def _copy(clean, tmp_path):
    dst = tmp_path / "out"
    shutil.copytree(clean[0], dst)
    return dst


def part(out, k):
    return out / "chunks" / f"part-{k:08d}.parquet"


def truncate(out):
    p = part(out, 1)
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    return {"part-00000001"}


def zero_length(out):
    part(out, 2).write_bytes(b"")
    return {"part-00000002"}


def copy_over(out):
    shutil.copyfile(part(out, 0), part(out, 3))
    return {"part-00000003"}


def copy_with_record(out):
    shutil.copyfile(part(out, 0), part(out, 3))
    shutil.copyfile(out / "ledger" / "part-00000000.json", out / "ledger" / "part-00000003.json")
    return {"part-00000003"}


def bit_flip(out):
    p = part(out, 3)
    data = bytearray(p.read_bytes())
    data[len(data) // 2] ^= 0x10
    p.write_bytes(bytes(data))
    return {"part-00000003"}


def stray(out):
    shutil.copyfile(part(out, 0), out / "chunks" / "part-junk.parquet")
    (out / "chunks" / "part-1.parquet").write_bytes(b"not parquet")
    (out / "chunks" / "part-00000099.parquet").write_bytes(b"beyond the last chunk")
    (out / "chunks" / "notes.txt").write_text("mine")
    return set()


def corrupt_manifest(out):
    (out / "sweep.json").write_text('{"name": "sw", "fingerp')
    return {"sweep.json"}


def empty_manifest(out):
    (out / "sweep.json").write_bytes(b"")
    return {"sweep.json"}


def chunk_is_a_folder(out):
    part(out, 1).unlink()
    part(out, 1).mkdir()
    (part(out, 1) / "inside.txt").write_text("x")
    return {"part-00000001"}


def chunk_is_a_fifo(out):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs")
    part(out, 2).unlink()
    os.mkfifo(part(out, 2))
    return {"part-00000002"}


def record_is_a_fifo(out):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs")
    rec = out / "ledger" / "part-00000003.json"
    rec.unlink()
    os.mkfifo(rec)
    return {"part-00000003"}


def chunk_is_a_link(out):
    # a link to a sound copy of the chunk: still not a regular file, and its target kept
    target = out.parent / "elsewhere.parquet"
    shutil.copyfile(part(out, 0), target)
    part(out, 0).unlink()
    part(out, 0).symlink_to(target)
    return {"part-00000000"}


def delete_record(out):
    (out / "ledger" / "part-00000004.json").unlink()
    return {"part-00000004"}


def delete_chunk(out):
    part(out, 4).unlink()
    return set()  # a missing chunk is simply computed


DAMAGES = [truncate, zero_length, copy_over, bit_flip, copy_with_record, stray, corrupt_manifest,
           empty_manifest, delete_record, delete_chunk, chunk_is_a_folder, chunk_is_a_fifo,
           record_is_a_fifo, chunk_is_a_link]


@pytest.mark.parametrize("damage", DAMAGES, ids=lambda f: f.__name__)
def test_damaged_store_resumes_to_identical_rows(damage, sweep, clean, tmp_path, capsys):
    out = _copy(clean, tmp_path)
    expected = damage(out)
    t = time.perf_counter()
    result = run_sweep(sweep, out, executor="serial", resume=True)
    assert time.perf_counter() - t < 60
    assert {name for name, _ in result.repaired} == expected
    err = capsys.readouterr().err
    chunks = expected - {"sweep.json"}
    if expected:
        if chunks:
            assert f"repaired {len(chunks)} chunk" in err
        assert all(name in err for name in expected)
        if "sweep.json" in expected:
            assert "sweep.json (unreadable: " in err
    else:
        assert "repaired" not in err
    pd.testing.assert_frame_equal(result.to_dataframe(), clean[1])
    assert result.computed_chunks + result.skipped_chunks == N_CHUNKS
    # and the repaired store is sound: resuming again computes nothing
    again = run_sweep(sweep, out, executor="serial", resume=True)
    assert (again.computed_chunks, again.repaired) == (0, [])


def test_repair_reasons_are_specific(sweep, clean, tmp_path):
    out = _copy(clean, tmp_path)
    truncate(out), zero_length(out), bit_flip(out), delete_record(out)
    result = run_sweep(sweep, out, executor="serial", resume=True)
    why = dict(result.repaired)
    assert why["part-00000001"].startswith("checksum mismatch: ")  # and the size
    assert why["part-00000002"] == "empty file"
    assert why["part-00000003"] == "checksum mismatch"
    assert why["part-00000004"] == "its record is missing"
    assert result.computed_chunks == 4


def test_anything_but_a_regular_file_is_damage_and_removed_without_following(
        sweep, clean, tmp_path):
    out = _copy(clean, tmp_path)
    chunk_is_a_link(out)
    chunk_is_a_folder(out)
    chunk_is_a_fifo(out)
    record_is_a_fifo(out)
    (out / "ledger" / "part-00000004.json").unlink()
    (out / "ledger" / "part-00000004.json").mkdir()
    target = out.parent / "elsewhere.parquet"
    kept = target.read_bytes()
    # reading refuses them at once, without opening the FIFOs
    with pytest.raises(StoreError, match=r"part-00000000 .* damaged \(not a regular file\)"):
        ChunkStore(out).read()
    t = time.perf_counter()
    result = run_sweep(sweep, out, executor="serial", resume=True)
    assert time.perf_counter() - t < 60
    assert dict(result.repaired) == {"part-00000000": "not a regular file",
                                     "part-00000001": "not a regular file",
                                     "part-00000002": "not a regular file",
                                     "part-00000003": "its record is not a regular file",
                                     "part-00000004": "its record is not a regular file"}
    assert result.computed_chunks == 5
    assert target.read_bytes() == kept  # the link was removed, not its target
    for k in range(N_CHUNKS):
        assert part(out, k).is_file() and not part(out, k).is_symlink()
    pd.testing.assert_frame_equal(result.to_dataframe(), clean[1])


def test_reading_a_fifo_chunk_or_record_never_blocks(sweep, clean, tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs")
    out = _copy(clean, tmp_path)
    chunk_is_a_fifo(out)
    code = ("import sys; from feasim.sweep import ChunkStore\n"
            "try:\n    ChunkStore(sys.argv[1]).read()\n"
            "except Exception as exc:\n    print(exc)\n")
    run = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True,
                         text=True, timeout=120)
    assert "part-00000002" in run.stdout and "not a regular file" in run.stdout, run.stderr
    out2 = _copy(clean, tmp_path / "b")
    record_is_a_fifo(out2)
    run = subprocess.run([sys.executable, "-c", code, str(out2)], capture_output=True,
                         text=True, timeout=120)
    assert "part-00000003" in run.stdout and "its record is not a regular file" in run.stdout


@pytest.mark.parametrize("kind", ["fifo", "folder", "dev-zero"])
def test_sweep_json_that_is_not_a_regular_file(sweep, clean, tmp_path, kind):
    out = _copy(clean, tmp_path)
    man = out / "sweep.json"
    man.unlink()
    make_not_a_file(man, kind)
    with pytest.raises(StoreError, match=r"sweep.json is damaged \(not a regular file\)"):
        ChunkStore(out).read()
    with pytest.raises(StoreError, match=r"not a regular file.*--resume"):
        run_sweep(sweep, out, executor="serial")
    result = run_sweep(sweep, out, executor="serial", resume=True)
    assert dict(result.repaired) == {
        "sweep.json": "unreadable: not a regular file; written again"}
    assert man.is_file() and not man.is_symlink() and result.computed_chunks == 0
    pd.testing.assert_frame_equal(result.to_dataframe(), clean[1])


def test_record_of_another_chunk_is_refused(sweep, clean, tmp_path):
    out = _copy(clean, tmp_path)
    copy_with_record(out)
    result = run_sweep(sweep, out, executor="serial", resume=True)
    assert dict(result.repaired)["part-00000003"] == "its record is not this chunk's"


def test_a_result_opened_from_its_folder_has_repaired_too(clean):
    # run_sweep's result lists what it repaired; one opened from the folder has the
    # same attribute, empty (it was set by run_sweep only, an AttributeError here)
    result = feasim.sweep.SweepResult(clean[0])
    assert result.repaired == [] and result.computed_chunks == 0


def test_reading_never_returns_damaged_or_stray_chunks(sweep, clean, tmp_path):
    out = _copy(clean, tmp_path)
    stray(out)
    pd.testing.assert_frame_equal(feasim.sweep.SweepResult(out).to_dataframe(), clean[1])
    copy_over(out)
    with pytest.raises(StoreError, match=r"part-00000003 .* damaged \(checksum mismatch.*"
                                         r"--resume"):
        ChunkStore(out).read()
    out2 = _copy(clean, tmp_path / "b")
    delete_record(out2)  # an unrecorded chunk is not done: left out, never read
    rows = ChunkStore(out2).read().to_pandas()
    assert len(rows) == 32 and rows["point"].max() == 31
    assert [p.name for p in ChunkStore(out2).verified_files()] == [
        f"part-{k:08d}.parquet" for k in range(4)]
    with pytest.raises(StoreError, match="part-00000003"):
        ChunkStore(out).verified_files()


def test_damaged_sweep_json_is_a_store_error(sweep, clean, tmp_path):
    out = _copy(clean, tmp_path)
    corrupt_manifest(out)
    with pytest.raises(StoreError, match=r"sweep.json is damaged \(not JSON.*--resume"):
        run_sweep(sweep, out, executor="serial")
    with pytest.raises(StoreError, match="sweep.json is damaged"):
        ChunkStore(out).read()
    (out / "sweep.json").write_text('{"name": "sw", "points": "forty"}')
    with pytest.raises(StoreError, match="fields missing or of the wrong type"):
        ChunkStore(out).read()
    (out / "sweep.json").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(StoreError, match="cannot read"):
        ChunkStore(out).read()


def test_damaged_sweep_json_over_another_sweeps_chunks_is_refused(sweep, clean, tmp_path):
    out = _copy(clean, tmp_path)
    corrupt_manifest(out)
    other = Sweep(scenario_from(BASE_YAML), {"theatre.line_km": {"low": 200, "high": 2000},
                                             "force.basis": {"values": ["in_theatre",
                                                                        "committed"]}},
                  design={"method": "lhs", "points": 40, "seed": 6}, chunk_points=8,
                  outputs=["troops_per_km", "fill_ratio"], samples_per_point=2)
    with pytest.raises(StoreError, match="belong to a different sweep"):
        run_sweep(other, out, executor="serial", resume=True)
    assert len(list((out / "chunks").glob("part-*.parquet"))) == N_CHUNKS  # nothing deleted


def test_cli_damaged_sweep_json_exits_2(tmp_path, capsys):
    sweep_file = SCENARIOS / "sweeps" / "c02-line-length.yaml"
    out = tmp_path / "cli"
    args = ["sweep", str(sweep_file), "--out", str(out), "--executor", "serial",
            "--format", "json"]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    (out / "sweep.json").write_text("{")
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "sweep.json is damaged" in err and "--resume" in err and "internal" not in err
    shutil.copyfile(out / "chunks" / "part-00000000.parquet",
                    out / "chunks" / "part-00000002.parquet")
    (out / "chunks" / "part-junk.parquet").write_bytes(b"junk")
    assert main(args + ["--resume"]) == 0
    captured = capsys.readouterr()
    assert "repaired 1 chunk in" in captured.err and "part-00000002 (checksum mismatch" in captured.err
    assert "sweep.json (unreadable: not JSON: " in captured.err
    assert json.loads(captured.out) == {**first, "chunks_computed": 1, "chunks_reused": 3}


def test_interrupted_write_leaves_no_half_chunk(sweep, tmp_path, monkeypatch):
    """A crash between a chunk and its record: the chunk is not done, and is recomputed."""
    from feasim.sweep import store as store_mod

    real = store_mod.ChunkStore._write_record
    calls = []

    def crash(self, k, *a):
        calls.append(k)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(self, k, *a)

    monkeypatch.setattr(store_mod.ChunkStore, "_write_record", crash)
    out = tmp_path / "i"
    with pytest.raises(KeyboardInterrupt):
        run_sweep(sweep, out, executor="serial")
    monkeypatch.setattr(store_mod.ChunkStore, "_write_record", real)
    assert ChunkStore(out).done() == {0, 1}
    result = run_sweep(sweep, out, executor="serial", resume=True)
    assert dict(result.repaired) == {"part-00000002": "its record is missing"}
    assert result.computed_chunks == 3


def test_old_layout_without_ledger_is_read_and_adopted(sweep, clean, tmp_path):
    out = _copy(clean, tmp_path)
    shutil.rmtree(out / "ledger")
    info = json.loads((out / "sweep.json").read_text())
    del info["layout"]
    (out / "sweep.json").write_text(json.dumps(info))
    pd.testing.assert_frame_equal(feasim.sweep.SweepResult(out).to_dataframe(), clean[1])
    copy_over(out)  # caught without checksums: chunk 3 holds chunk 0's points
    result = run_sweep(sweep, out, executor="serial", resume=True)
    assert dict(result.repaired) == {"part-00000003": "holds points 0..7, not 24..31"}
    assert (result.computed_chunks, result.skipped_chunks) == (1, 4)
    pd.testing.assert_frame_equal(result.to_dataframe(), clean[1])
    assert len(list((out / "ledger").glob("part-*.json"))) == N_CHUNKS


# ---------------------------------------------------------------- the lock

HOLD = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
os.write(fd, str(os.getpid()).encode())
print("locked", flush=True)
time.sleep(120)
"""


def test_second_run_on_the_same_out_is_refused(sweep, clean, tmp_path):
    out = _copy(clean, tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(out / ".lock")],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        t = time.perf_counter()
        with pytest.raises(StoreError, match=rf"is in use by another feasim sweep "
                                             rf"\(pid {holder.pid}\)"):
            run_sweep(sweep, out, executor="serial", resume=True)
        assert time.perf_counter() - t < 30  # refused at once, not waiting
    finally:
        holder.kill()
        holder.wait(timeout=30)
    # the killed holder leaves its lock file behind: it does not block
    assert (out / ".lock").exists()
    result = run_sweep(sweep, out, executor="serial", resume=True)
    assert result.computed_chunks == 0


def test_lock_held_for_the_run_and_released_on_an_exception(sweep, tmp_path, monkeypatch):
    import fcntl

    out = tmp_path / "l"
    seen = []
    real = sweep_runner.evaluate_chunk

    def probe(task):
        # in the middle of the run, a second store on the same folder is refused
        with pytest.raises(StoreError, match=f"pid {os.getpid()}"):
            ChunkStore(out).open({"fingerprint": "x", "points": 1, "chunks": 1,
                                  "chunk_points": 1}, resume=True)
        seen.append(task.index)
        if task.index == 2:
            raise RuntimeError("boom")
        return real(task)

    monkeypatch.setattr(sweep_runner, "evaluate_chunk", probe)
    with pytest.raises(RuntimeError, match="boom"):
        run_sweep(sweep, out, executor="serial")
    assert seen == [0, 1, 2]
    fd = os.open(out / ".lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released: free to take
    finally:
        os.close(fd)
    monkeypatch.setattr(sweep_runner, "evaluate_chunk", real)
    assert run_sweep(sweep, out, executor="serial", resume=True).computed_chunks == 3


def test_refusals_do_not_leave_a_lock_in_a_foreign_folder(sweep, tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("x")
    with pytest.raises(StoreError, match="is not a sweep folder"):
        run_sweep(sweep, foreign, executor="serial")
    assert sorted(p.name for p in foreign.iterdir()) == ["thesis.tex"]
