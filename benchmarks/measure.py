"""Timing and memory helpers: medians of repeated runs, and peak RSS of a process tree."""

import statistics
import subprocess
import threading
import time
from collections.abc import Callable

import psutil


def repeat(fn: Callable[[], object], runs: int) -> dict:
    """Wall seconds (median, min, max) and the median CPU seconds of this process, all threads counted:
    CPU over wall shows how much of the two cores a case keeps busy."""
    times, cpu = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    return {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "runs": runs,
        "cpu_s": statistics.median(cpu),
    }


def run_process(command: list[str], env: dict, cwd: str) -> dict:
    """Wall time and peak RSS (sum over the process and its children), sampled every 50 ms."""
    began = time.perf_counter()
    proc = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        parent = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                tree = [parent, *parent.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = proc.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - began
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{output[-3000:]}")
    return {"seconds": seconds, "peak_rss_mib": peak / 2**20}
