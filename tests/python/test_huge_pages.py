"""Huge pages for the heap (docs/performance.md, "Huge pages for the heap"):
where the kernel gives transparent huge pages only to memory that asks
(`madvise` mode), the binary starts itself again once with glibc's tunable
glibc.malloc.hugetlb=1; a tunable the user set is left alone,
TALENTSIM_HUGE_PAGES=0 turns it off, and results never depend on it."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, SMALL, assert_same_datasets, binary_path, wait_until_stopped

THP = Path("/sys/kernel/mm/transparent_hugepage/enabled")
MADVISE = THP.exists() and "[madvise]" in THP.read_text()


def base_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("GLIBC_TUNABLES", "TALENTSIM_HUGE_PAGES", "TALENTSIM_HUGE_PAGES_RESTARTED")}
    env.update(extra)
    return env


def stopped_run(tmp_path: Path, env: dict, scenario: Path = SMALL) -> tuple[bytes, int]:
    """The environment block and the anonymous huge pages (kB) of a run
    stopped at its 2nd step, as the kernel shows them: /proc/PID/environ
    holds the strings given to execve, NUL-separated (glibc's start-up may
    have put a NUL in place of a ':' between tunables)."""
    p = subprocess.Popen([str(binary_path()), "run", str(scenario), "-o", str(tmp_path / "x.h5"),
                          "--quiet", "--overwrite"],
                         env=dict(env, TALENTSIM_FAULT="step:2:stop"),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_stopped(p)
        raw = Path(f"/proc/{p.pid}/environ").read_bytes()
        rollup = Path(f"/proc/{p.pid}/smaps_rollup").read_text()
    finally:
        p.kill()  # also ends a stopped process
        p.wait()
    huge = re.search(r"^AnonHugePages:\s+(\d+) kB", rollup, re.M)
    return b"\0" + raw, int(huge.group(1)) if huge else 0


def running_environment(tmp_path: Path, env: dict) -> bytes:
    return stopped_run(tmp_path, env)[0]


@pytest.mark.skipif(not MADVISE, reason="the kernel's THP mode is not madvise")
def test_a_run_restarts_with_the_tunable_where_thp_is_madvise(tmp_path):
    env = running_environment(tmp_path, base_env())
    assert b"\0GLIBC_TUNABLES=glibc.malloc.hugetlb=1\0" in env
    assert b"\0TALENTSIM_HUGE_PAGES_RESTARTED=1\0" in env  # what stops a second restart
    # Other tunables of the user are kept, the huge pages' added.
    env = running_environment(tmp_path, base_env(GLIBC_TUNABLES="glibc.malloc.arena_max=2"))
    assert re.search(rb"\0GLIBC_TUNABLES=glibc\.malloc\.arena_max=2[:\0]glibc\.malloc\.hugetlb=1\0",
                     env), env


def test_the_users_choice_and_the_switch_are_respected(tmp_path):
    env = running_environment(tmp_path, base_env(GLIBC_TUNABLES="glibc.malloc.hugetlb=0"))
    assert b"\0GLIBC_TUNABLES=glibc.malloc.hugetlb=0\0" in env
    assert b"hugetlb=1" not in env
    for off in ("0", "off"):
        env = running_environment(tmp_path, base_env(TALENTSIM_HUGE_PAGES=off))
        assert b"GLIBC_TUNABLES" not in env and b"RESTARTED" not in env


@pytest.mark.skipif(not MADVISE, reason="the kernel's THP mode is not madvise")
def test_the_heap_of_a_large_run_is_in_huge_pages(tmp_path):
    """global_100k at its 2nd step holds some 100 MB of heap: with the restart
    much of it is in huge pages, without none (nothing else asks for them)."""
    scenario = ROOT / "scenarios" / "bench" / "global_100k.toml"
    _, on = stopped_run(tmp_path, base_env(), scenario)
    _, off = stopped_run(tmp_path, base_env(TALENTSIM_HUGE_PAGES="0"), scenario)
    assert off == 0
    assert on >= 8 * 1024, f"{on} kB in huge pages"


def test_results_do_not_depend_on_huge_pages(tmp_path):
    for name, env in (("on", base_env()), ("off", base_env(TALENTSIM_HUGE_PAGES="0"))):
        r = subprocess.run([str(binary_path()), "run", str(SMALL), "-o", str(tmp_path / f"{name}.h5"),
                            "--quiet"], env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
    assert_same_datasets(tmp_path / "on.h5", tmp_path / "off.h5")


def minor_faults(tmp_path: Path, env: dict, scenario: Path) -> int:
    """Minor page faults of a whole 1-step run (the restart included: a
    process's counts survive execve)."""
    p = subprocess.Popen([str(binary_path()), "run", str(scenario), "-o", str(tmp_path / "f.h5"),
                          "--quiet", "--overwrite", "--steps", "1"],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    assert p.returncode == 0
    return usage.ru_minflt


@pytest.mark.skipif(not MADVISE, reason="the kernel's THP mode is not madvise")
def test_the_heap_is_kept_not_handed_back(tmp_path):
    """docs/performance.md item 25: malloc keeps freed memory (no trimming,
    no mmap below 32 MiB, the heap grown 64 MiB at a time), so huge pages are
    not faulted in and zeroed again. global_100k, one step: about 2,000
    faults with it, 10,000 with glibc's defaults, 20,000 or more with the
    small thresholds given here, which the user's GLIBC_TUNABLES keeps."""
    scenario = ROOT / "scenarios" / "bench" / "global_100k.toml"
    kept = minor_faults(tmp_path, base_env(), scenario)
    assert kept < 5000, kept
    small = "glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072:" \
            "glibc.malloc.top_pad=131072"
    users = minor_faults(tmp_path, base_env(GLIBC_TUNABLES=small), scenario)
    assert users > 2 * kept, (users, kept)
