"""Simulated users: N threads, each loading a page, then thinking, for a while (loopback only).

wrk keeps every connection busy all the time (a closed loop: 20 connections are 20 clients
that never pause). A person reloads a dashboard now and then; this generator gives each of
N users a think time between requests (uniform around --think seconds) and reports the
latency the users saw. Bounded in time; stops by itself.

    python bench/users.py URL --users 20 --think 1.0 --seconds 30 [--cookie 'sessionid=…']
        [--tokens FILE]   (one API token a line: user n sends "Authorization: Bearer" token n)
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import threading
import time
from urllib.parse import urlsplit


def user(url, cookie, think, until, latencies, errors, seed, token=""):
    rng = random.Random(seed)
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    headers = {"Cookie": cookie} if cookie else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    time.sleep(rng.uniform(0, think))  # users do not arrive in step
    while time.monotonic() < until:
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)
        except OSError as exc:
            errors.append(str(exc))
            conn.close()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        latencies.append((time.perf_counter() - started) * 1000)
        time.sleep(rng.uniform(0.5 * think, 1.5 * think))
    conn.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--cookie", default="")
    parser.add_argument("--tokens", help="a file of API tokens, one a line, one per user")
    parser.add_argument("--output")
    args = parser.parse_args()
    tokens = open(args.tokens).read().split() if args.tokens else []
    if tokens and len(tokens) < args.users:
        parser.error(f"{args.users} users need {args.users} tokens, the file has {len(tokens)}")
    until = time.monotonic() + min(args.seconds, 300)
    latencies: list[float] = []
    errors: list = []
    threads = [
        threading.Thread(
            target=user,
            args=(
                args.url,
                args.cookie,
                args.think,
                until,
                latencies,
                errors,
                n,
                tokens[n] if tokens else "",
            ),
        )
        for n in range(args.users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(latencies)
    result = {
        "url": args.url,
        "users": args.users,
        "think_s": args.think,
        "seconds": args.seconds,
        "requests": len(ordered),
        "errors": len(errors),
        "p50_ms": round(statistics.median(ordered), 1),
        "p99_ms": round(ordered[max(0, int(len(ordered) * 0.99) - 1)], 1),
        "max_ms": round(ordered[-1], 1),
    }
    print(json.dumps(result))
    if args.output:
        with open(args.output, "w") as out:
            json.dump(result, out, indent=2)


if __name__ == "__main__":
    main()
