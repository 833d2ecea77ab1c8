"""CPU seconds (user + system) consumed so far by a set of processes, from /proc.

    python bench/cpu.py PID [PID ...]      -> prints one float

On a shared 2-core machine wall-clock throughput moves with whatever else runs; the CPU a
request costs the server (gunicorn) and the database (its PostgreSQL backends) moves much
less, so bench/run.sh records both. A process that has exited counts as 0. The CPU of a
process's children that it has waited for counts too: the file-check process forked for
each upload (submissions.filechecks), reaped by its check server, is part of what an upload
costs the server.
"""

import os
import sys

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            # The command name may hold spaces: fields are counted after its closing ")".
            fields = stat.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0
    utime, stime, cutime, cstime = (int(field) for field in fields[11:15])
    return (utime + stime + cutime + cstime) / TICKS


if __name__ == "__main__":
    print(f"{sum(cpu_seconds(int(pid)) for pid in sys.argv[1:]):.3f}")
