"""Does this machine run a woken helper process beside its waker, or on the idle core?

The hub asks its language detector (a child process, `hub.translate.detector_process`)
while it screens and numbers the SOS, so that the two overlap. They overlap only if the
kernel runs the child on another core. This script plays that exchange with a stand-in:
the parent writes a request to a pipe, works WORK_MS on its own core, then reads the
answer; the child, woken by the request, works CHILD_MS and answers. It is run twice:

* `free`: placed by the kernel, as the hub and its detector are;
* `pinned`: parent on CPU 0, child on CPU 1 (what "overlapping" would give).

If `free` answers in about WORK_MS + CHILD_MS and `pinned` in about max(WORK_MS, CHILD_MS),
the kernel puts the woken child on its waker's core and the two run one after the other.
The script also prints `kernel.sched_vcpu_pack` where the kernel has it (a setting of some
virtual machines' kernels that packs tasks onto fewer virtual CPUs).

    python bench/wake_placement.py [--rounds 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

WORK_MS = 1.0  # the hub's screening and numbering while the detector works
CHILD_MS = 0.8  # one detection


def spin(ms: float) -> None:
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end:
        pass


def run(pinned: bool, rounds: int) -> tuple[float, float]:
    """p50 and p90 ms from the request to the answer."""
    req_r, req_w = os.pipe()
    ans_r, ans_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the stand-in detector
        if pinned:
            os.sched_setaffinity(0, {1})
        while os.read(req_r, 1) == b"q":
            spin(CHILD_MS)
            os.write(ans_w, b"a")
        os._exit(0)
    if pinned:
        os.sched_setaffinity(0, {0})
    took = []
    for _ in range(rounds):
        time.sleep(0.01)  # idle in between, as between two SOS
        start = time.perf_counter()
        os.write(req_w, b"q")
        spin(WORK_MS)
        os.read(ans_r, 1)
        took.append((time.perf_counter() - start) * 1000)
    os.write(req_w, b"e")
    os.waitpid(pid, 0)
    if pinned:
        os.sched_setaffinity(0, range(os.cpu_count() or 1))
    for fd in (req_r, req_w, ans_r, ans_w):
        os.close(fd)
    took.sort()
    return statistics.median(took), took[int(len(took) * 0.9)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    pack = Path("/proc/sys/kernel/sched_vcpu_pack")
    print(f"cores: {os.cpu_count()}; kernel {os.uname().release}")
    if pack.exists():
        print(f"kernel.sched_vcpu_pack = {pack.read_text().strip()}")
    print(f"parent works {WORK_MS} ms, child {CHILD_MS} ms; request -> answer:")
    for pinned in (False, True):
        if pinned and (os.cpu_count() or 1) < 2:
            break
        p50, p90 = run(pinned, args.rounds)
        name = "pinned (CPU 0 / CPU 1)" if pinned else "free (kernel's choice)"
        print(f"  {name:24s} p50 {p50:.2f} ms  p90 {p90:.2f} ms")
    print(
        f"  overlapping would be ~{max(WORK_MS, CHILD_MS):.1f} ms, one after the other "
        f"~{WORK_MS + CHILD_MS:.1f} ms"
    )


if __name__ == "__main__":
    main()
