#!/usr/bin/env python3
"""The idle side of bench/run's idle_connections scenario.

  idle_connections.py HOST PORT IDLE POLLS JOB VERSION KEYS_FILE REFRESH_S

Opens IDLE keep-alive connections to crmd, each sending one GET /health and
then staying open without a request in flight, and POLLS more that each
long-poll GET /api/v2/jobs/JOB?wait=60&version=VERSION (a job already at
VERSION that does not change, so every poll parks until its wait ends; then
it asks again on the same connection). Each poll uses the API key of line
i % n of KEYS_FILE: crmd parks at most 20 waits per caller. An idle
connection sends GET /health again every REFRESH_S seconds (staggered), so
that crmd's idle keep-alive timeout never closes it while it is measured.

Prints "ready IDLE_OPEN POLLS_PARKED OPEN_SECONDS" once everything is open
and parked, then keeps them until SIGTERM or SIGINT, and prints
"done IDLE_OPEN IDLE_CLOSED POLLS_OPEN POLL_ERRORS POLL_ANSWERS": idle
connections still open and those crmd closed, poll connections still open,
polls answered other than 200 after their wait (or closed), and polls
answered 200 at the end of their wait (re-sent). Errors go to stderr.
"""
import asyncio
import os
import resource
import signal
import sys
import time

CONNECT_AT_ONCE = 200  # connects in flight at once: the listen backlog is finite


def raise_fd_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else max(soft, needed)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    if want < needed:
        sys.exit(f"idle_connections: {needed} descriptors needed, the limit is {want}")


async def read_answer(reader):
    """Reads one HTTP/1.1 answer (Content-Length framed); returns its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


class Stats:
    def __init__(self):
        self.idle_open = 0
        self.idle_closed = 0
        self.polls_open = 0
        self.polls_parked = 0
        self.poll_errors = 0
        self.poll_answers = 0


async def main():
    host, port = sys.argv[1], int(sys.argv[2])
    idle, polls = int(sys.argv[3]), int(sys.argv[4])
    job, version = sys.argv[5], int(sys.argv[6])
    keys = [k.strip() for k in open(sys.argv[7]) if k.strip()]
    refresh = float(sys.argv[8])
    raise_fd_limit(idle + polls + 100)

    stats = Stats()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    gate = asyncio.Semaphore(CONNECT_AT_ONCE)
    health = f"GET /health HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()

    async def connect():
        async with gate:
            return await asyncio.open_connection(host, port, limit=1 << 16)

    async def idle_connection(i, opened):
        try:
            reader, writer = await connect()
            writer.write(health)
            await writer.drain()
            if await read_answer(reader) != 200:
                raise RuntimeError("GET /health was not 200")
        except Exception as e:
            print(f"idle_connections: idle connection {i}: {e!r}", file=sys.stderr)
            stats.idle_closed += 1
            opened.release()
            return
        stats.idle_open += 1
        opened.release()
        # Staggered refreshes, within crmd's idle keep-alive time.
        next_at = time.monotonic() + refresh * (0.5 + 0.5 * (i % 1000) / 1000)
        try:
            while not stop.is_set():
                try:
                    # A byte or EOF from crmd while idle means it closed the connection.
                    got = await asyncio.wait_for(reader.read(1), max(0.0, next_at - time.monotonic()))
                    raise ConnectionError(f"crmd sent {got!r} on an idle connection")
                except asyncio.TimeoutError:
                    pass
                writer.write(health)
                await writer.drain()
                if await read_answer(reader) != 200:
                    raise RuntimeError("GET /health was not 200")
                next_at = time.monotonic() + refresh
        except Exception as e:
            if not stop.is_set():
                print(f"idle_connections: idle connection {i} closed: {e!r}", file=sys.stderr)
                stats.idle_open -= 1
                stats.idle_closed += 1
                return
        writer.close()

    async def poll_connection(i, parked):
        key = keys[i % len(keys)]
        request = (f"GET /api/v2/jobs/{job}?wait=60&version={version} HTTP/1.1\r\n"
                   f"Host: {host}:{port}\r\nAuthorization: Bearer {key}\r\n\r\n").encode()
        counted = False
        try:
            reader, writer = await connect()
            stats.polls_open += 1
            while not stop.is_set():
                writer.write(request)
                await writer.drain()
                answer = asyncio.ensure_future(read_answer(reader))
                # Parked: no answer within a second of asking.
                done, _ = await asyncio.wait({answer}, timeout=1.0)
                if not done and not counted:
                    counted = True
                    stats.polls_parked += 1
                    parked.release()
                status = await answer
                if status != 200:
                    raise RuntimeError(f"the long-poll answered {status}")
                if not counted:  # answered at once: not parked
                    raise RuntimeError("the long-poll was answered at once")
                stats.poll_answers += 1
        except Exception as e:
            if not stop.is_set():
                print(f"idle_connections: poll {i}: {e!r}", file=sys.stderr)
                stats.poll_errors += 1
                stats.polls_open -= 1
                if not counted:
                    parked.release()
                return
        writer.close()

    start = time.monotonic()
    opened = asyncio.Semaphore(0)
    tasks = [asyncio.ensure_future(idle_connection(i, opened)) for i in range(idle)]
    for _ in range(idle):
        await opened.acquire()
    parked = asyncio.Semaphore(0)
    tasks += [asyncio.ensure_future(poll_connection(i, parked)) for i in range(polls)]
    for _ in range(polls):
        await parked.acquire()
    print(f"ready {stats.idle_open} {stats.polls_parked} {time.monotonic() - start:.1f}", flush=True)

    # Ends with its parent too (bench/run killed), and after 15 minutes at most.
    parent, deadline = os.getppid(), time.monotonic() + 900
    while not stop.is_set() and os.getppid() == parent and time.monotonic() < deadline:
        try:
            await asyncio.wait_for(stop.wait(), 1.0)
        except asyncio.TimeoutError:
            pass
    print(f"done {stats.idle_open} {stats.idle_closed} {stats.polls_open} {stats.poll_errors} "
          f"{stats.poll_answers}", flush=True)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


if __name__ == "__main__":
    asyncio.run(main())
