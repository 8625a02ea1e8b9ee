#!/usr/bin/env python3
"""The jobs side of bench/run's two_processes scenario.

  two_processes.py A_URL B_URL TOKEN PID_A PID_B OUT CSV... -- PSQL_COMMAND...

Submits each CSV as an import (POST /api/v2/imports/contacts), the first on
process A, the second on B, and so on, and long-polls every job on both
processes at once (GET /api/v2/jobs/{id}?wait=60&version=N, asking again
after each answer) until it ends. Meanwhile it reads the jobs table ten
times a second (through PSQL_COMMAND, a psql command line) to see which
process holds each running job's lease (lease_owner is host:pid:random).
When every job has ended it reads their rows and writes one line a job to
OUT:

  ID SUBMITTED_ON RAN_ON STATUS ATTEMPTS PROCESSED CREATED FAILED STARTED FINISHED WAKE_A_MS WAKE_B_MS

RAN_ON is A, B, both (run twice: an error) or - (never seen running);
STARTED and FINISHED are the job's times (epoch seconds, the database's
clock); WAKE_X_MS is how long after finished_at the long-poll on process X
answered with the job ended (the same machine, so the same clock). Errors
go to stderr; the exit status is 1 when a request failed.
"""
import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request


def main():
    split = sys.argv.index("--")
    a_url, b_url, token, pid_a, pid_b, out = sys.argv[1:7]
    csvs = sys.argv[7:split]
    psql = sys.argv[split + 1:]
    bases = {"A": a_url, "B": b_url}
    pids = {pid_a: "A", pid_b: "B"}
    auth = {"Authorization": f"Bearer {token}"}
    failures = []

    jobs = []  # (id, submitted_on)
    for i, path in enumerate(csvs):
        on = "A" if i % 2 == 0 else "B"
        with open(path, "rb") as f:
            body = f.read()
        request = urllib.request.Request(f"{bases[on]}/api/v2/imports/contacts", data=body,
                                         headers={**auth, "Content-Type": "text/csv"})
        with urllib.request.urlopen(request, timeout=120) as answer:
            jobs.append((json.load(answer)["id"], on))

    answered = {}  # (job, process) -> time the long-poll answered with the job ended
    lock = threading.Lock()

    def poll(job, on):
        version = 0
        deadline = time.time() + 900
        while time.time() < deadline:
            request = urllib.request.Request(
                f"{bases[on]}/api/v2/jobs/{job}?wait=60&version={version}", headers=auth)
            try:
                with urllib.request.urlopen(request, timeout=90) as answer:
                    state = json.load(answer)
            except (urllib.error.URLError, OSError) as e:
                failures.append(f"long-poll of {job} on {on}: {e}")
                return
            now = time.time()
            version = state["version"]
            if state["status"] in ("completed", "failed", "cancelled"):
                with lock:
                    answered[(job, on)] = now
                return
        failures.append(f"job {job} did not end within 900 s")

    ids = [job for job, _ in jobs]
    owners = {job: set() for job in ids}
    done = threading.Event()
    id_list = ",".join(f"'{job}'" for job in ids)

    def sample():
        while not done.is_set():
            rows = subprocess.run(
                psql + ["-qAt", "-F", " ", "-c",
                        f"SELECT id, lease_owner FROM jobs WHERE id IN ({id_list})"
                        " AND status = 'running' AND lease_owner IS NOT NULL"],
                capture_output=True, text=True).stdout
            for line in rows.splitlines():
                job, owner = line.split(" ", 1)
                pid = owner.split(":")[-2]
                owners[job].add(pids.get(pid, "?" + pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    sampler.start()
    pollers = [threading.Thread(target=poll, args=(job, on)) for job in ids for on in ("A", "B")]
    for t in pollers:
        t.start()
    for t in pollers:
        t.join()
    done.set()
    sampler.join()

    rows = subprocess.run(
        psql + ["-qAt", "-F", " ", "-c",
                "SELECT id, status, attempts, processed, created, failed,"
                " extract(epoch FROM started_at), extract(epoch FROM finished_at)"
                f" FROM jobs WHERE id IN ({id_list})"],
        capture_output=True, text=True, check=True).stdout
    with open(out, "w") as f:
        for line in rows.splitlines():
            job, status, attempts, processed, created, failed, started, finished = line.split(" ")
            ran = owners[job]
            ran_on = "-" if not ran else ("both" if len(ran) > 1 else next(iter(ran)))
            wakes = []
            for on in ("A", "B"):
                t = answered.get((job, on))
                wakes.append(f"{(t - float(finished)) * 1000:.1f}" if t and finished else "-")
            submitted = dict(jobs)[job]
            f.write(f"{job} {submitted} {ran_on} {status} {attempts} {processed} {created} "
                    f"{failed} {started or '-'} {finished or '-'} {wakes[0]} {wakes[1]}\n")
    for failure in failures:
        print(f"two_processes: {failure}", file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
