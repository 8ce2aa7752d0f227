#!/usr/bin/env python3
"""Times commands the way `hyperfine -N` does (spawned directly, no shell, output to /dev/null),
but interleaved: round after round, each command runs once per round, so a burst of load on the
machine falls on all of them alike. Prints one line per command: its median wall time in
microseconds, then its name.

Usage: interleave.py RUNS WARMUP NAME=COMMAND... where COMMAND is split on spaces (no quoting;
the bench's paths have no spaces). A COMMAND that starts with `fresh:PATH ` has PATH removed
before each of its runs, untimed, so a command that writes PATH writes a new file every time
(replacing a file by rename makes ext4 flush the new one first, which writing in place does not). Exits 2 when a command fails (an exit status other than 0 or
1, the statuses koopack uses for a finished judgement)."""
import os
import statistics
import sys
import time


def run(argv, devnull):
    start = time.perf_counter_ns()
    pid = os.posix_spawnp(argv[0], argv, os.environ,
                          file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
    _, status = os.waitpid(pid, 0)
    elapsed = time.perf_counter_ns() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"interleave: {' '.join(argv)} exited {code}")
    return elapsed


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    runs, warmup = int(sys.argv[1]), int(sys.argv[2])
    commands = []
    for spec in sys.argv[3:]:
        name, _, command = spec.partition("=")
        argv = command.split()
        fresh = None
        if argv and argv[0].startswith("fresh:"):
            fresh = argv.pop(0)[len("fresh:"):]
        commands.append((name, argv, fresh))
    devnull = os.open(os.devnull, os.O_WRONLY)
    times = {name: [] for name, _, _ in commands}
    for round_number in range(warmup + runs):
        for name, argv, fresh in commands:
            if fresh and os.path.exists(fresh):
                os.unlink(fresh)
            elapsed = run(argv, devnull)
            if round_number >= warmup:
                times[name].append(elapsed)
    for name, _, _ in commands:
        print(f"{statistics.median(times[name]) / 1000:.0f} {name}")


if __name__ == "__main__":
    main()
