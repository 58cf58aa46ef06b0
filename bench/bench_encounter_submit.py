"""Encounter submit through a real HTTP server at 50 concurrent clients, against GET /healthz.

The product is served as `crossroads serve --no-worker` serves it: gunicorn with
crossroads.wsgi on a free 127.0.0.1 port, the product's settings, access log on. 50 officers
of a police agency, each with a personal API token made through the real actions, post
encounters from 50 client threads (one officer and one keep-alive http.client connection per
thread): POST /api/v1/encounters with `Authorization: Bearer`, a fresh client_key, signs and
techniques from GET /api/v1/field-guide, and a PHQ-2 screen. Every answer must be 201.

Baseline, measured in the same run at the same concurrency through the same server: GET
/healthz, a public view doing one query. Rounds of the two alternate (which goes first
rotates) so drift hits both alike; latencies are pooled over the measured rounds.

Clients are closed-loop with no think time, so this is the server at saturation: by Little's
law the mean latency is clients / throughput. The client threads run on the same 2 CPUs.

Run: `make bench`, or `.venv/bin/python bench/bench_encounter_submit.py --database postgres`.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _setup  # after the path insert; configures Django before any model import

CLIENTS = 50
REQUESTS = 1500  # per measured round and endpoint
ROUNDS = 3
WARM_UP = 200  # requests per endpoint before the first round, not counted
TARGET_P95_MS = 100.0  # issue 3
# gunicorn's sync workers, as `crossroads serve` starts them (its default is 2 workers).
WORKERS = 2
THREADS = 1
HOST = "127.0.0.1"

Request = tuple[str, str, bytes | None]  # method, path, body


@dataclass
class Round:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    seconds: float = 0.0
    cpu_seconds: Counter[str] = field(default_factory=Counter)  # server, database, clients

    def extend(self, other: Round) -> None:
        self.latencies_ms += other.latencies_ms
        self.statuses += other.statuses
        self.seconds += other.seconds
        self.cpu_seconds += other.cpu_seconds

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.seconds

    def pct(self, p: float) -> float:
        return _setup.percentile(self.latencies_ms, p)

    def describe(self) -> str:
        return (
            f"p50 {self.pct(50):.1f} ms p95 {self.pct(95):.1f} ms p99 {self.pct(99):.1f} ms, "
            f"{self.throughput:.0f} req/s"
        )

    def cpu_per_request(self) -> str:
        n = len(self.latencies_ms)
        parts = [f"{who} {1000 * s / n:.1f}" for who, s in self.cpu_seconds.items()]
        total = 1000 * sum(self.cpu_seconds.values()) / n
        return f"{', '.join(parts)}; total {total:.1f} ms"

    def cpu_bound(self, cpus: int) -> float:
        """Requests a second if every CPU did nothing else: the ceiling of the throughput."""
        return cpus * len(self.latencies_ms) / sum(self.cpu_seconds.values())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--requests", type=int, default=REQUESTS, help="per round and endpoint")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument(
        "--rate",
        type=float,
        default=0,
        help="offered requests/s over all clients (paced, open loop); 0: no think time",
    )
    parser.add_argument("--workers", type=int, default=WORKERS, help="gunicorn worker processes")
    parser.add_argument(
        "--threads",
        type=int,
        default=THREADS,
        help="gunicorn threads per worker (1: the sync worker, as `crossroads serve` runs it)",
    )
    args = _setup.arguments(parser=parser)
    data_dir = _setup.django_for_bench(database=args.database, fast_passwords=True)
    started = time.perf_counter()
    tokens = _officers_with_tokens(args.clients)

    port = _free_port()
    server = _serve(port, args.workers, args.threads, data_dir / "server.log")
    try:
        _wait_until_up(port, server, data_dir / "server.log")
        guide = _get_json(port, "/api/v1/field-guide", tokens[0])
        signs = sorted(s["code"] for group in guide["signs"].values() for s in group["signs"])
        techniques = sorted(t["code"] for t in guide["deescalation"])
        rng = random.Random(3)
        postgres = _postgres_database()

        def submit() -> Request:
            body = json.dumps(_encounter(rng, signs, techniques)).encode()
            return ("POST", "/api/v1/encounters", body)

        def healthz() -> Request:
            return ("GET", "/healthz", None)

        endpoints: dict[str, tuple[Callable[[], Request], int]] = {
            "submit": (submit, 201),
            "healthz": (healthz, 200),
        }
        print(
            f"server: gunicorn via `crossroads serve --no-worker`, {args.workers} workers x "
            f"{args.threads} threads ({'sync' if args.threads == 1 else 'gthread'}), port {port}; "
            f"{args.clients} client threads, keep-alive connections, "
            + (f"paced at {args.rate:g} requests/s" if args.rate else "no think time")
        )
        for name, (build, expected) in endpoints.items():
            warm = _run(port, [build() for _ in range(WARM_UP)], tokens)
            _require(warm, expected, f"warm-up {name}", data_dir / "server.log")

        pooled = {name: Round() for name in endpoints}
        names = list(endpoints)
        for r in range(args.rounds):
            for name in names[r % 2 :] + names[: r % 2]:
                build, expected = endpoints[name]
                plan = [build() for _ in range(args.requests)]
                with CpuMeter(server.pid, postgres) as meter:
                    result = _run(port, plan, tokens, args.rate)
                result.cpu_seconds = meter.used
                _require(result, expected, name, data_dir / "server.log")
                print(f"  round {r + 1} {name:8} {result.describe()}")
                pooled[name].extend(result)
    finally:
        _stop(server)

    _check_what_was_written(WARM_UP + args.rounds * args.requests)
    cpus = os.cpu_count() or 1
    for name, pooled_round in pooled.items():
        print(
            f"  CPU ms per request, {name}: {pooled_round.cpu_per_request()} "
            f"(at most {pooled_round.cpu_bound(cpus):.0f} req/s on {cpus} CPUs)"
        )
    subject, base = pooled["submit"], pooled["healthz"]
    n = len(subject.latencies_ms)
    print(
        f"POST /api/v1/encounters ({args.database}, {args.clients} clients, {n} requests): "
        f"{subject.describe()}   baseline GET /healthz (same clients, server): "
        f"{base.describe()}   ratio p50 {subject.pct(50) / base.pct(50):.1f}x "
        f"p95 {subject.pct(95) / base.pct(95):.1f}x "
        f"throughput {subject.throughput / base.throughput:.2f}x"
    )
    verdict = "met" if subject.pct(95) < TARGET_P95_MS else "NOT met"
    print(
        f"  target p95 < {TARGET_P95_MS:.0f} ms at {args.clients} clients: {verdict}; "
        f"answers other than 201/200: 0; mean latency "
        f"{statistics.fmean(subject.latencies_ms):.0f} ms"
        + (
            ""
            if args.rate
            else f", by Little's law clients / throughput = "
            f"{1000 * args.clients / subject.throughput:.0f} ms"
        )
    )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"bench_encounter_submit done in {time.perf_counter() - started:.0f} s "
        f"(load average at the end {load})"
    )


def _officers_with_tokens(count: int) -> list[str]:
    """One officer per client, each with a personal token, made through the real actions."""
    from django.db import transaction

    from crossroads.core import actions

    agency = _setup.bench_agency()
    with transaction.atomic():  # one commit for the set-up; each account still goes via actions
        officers = [
            actions.user_create(
                by=None,
                agency=agency,
                username=f"officer{n:03d}",
                email=f"officer{n:03d}@example.org",
                first_name="Officer",
                last_name=f"Number {n:03d}",
                password=_setup.BENCH_PASSWORD,
                roles=["officer"],
            )
            for n in range(count)
        ]
        return [actions.api_token_create(by=o, name="field laptop")[1] for o in officers]


def _encounter(rng: random.Random, signs: list[str], techniques: list[str]) -> dict[str, object]:
    """A plausible field encounter, as tests/encounters/test_encounters.py builds one."""
    occurred = datetime.now(UTC) - timedelta(minutes=rng.randint(5, 600))
    body: dict[str, object] = {
        "client_key": str(uuid.uuid4()),
        "occurred_at": occurred.isoformat().replace("+00:00", "Z"),
        "signs": rng.sample(signs, rng.randint(1, 3)),
        "deescalation": rng.sample(techniques, rng.randint(1, 2)),
        "disposition": "resolved_on_scene",
        "minutes_on_scene": rng.randint(10, 90),
        "screens": [{"instrument": "phq2", "answers": [rng.randint(0, 3), rng.randint(0, 3)]}],
    }
    if rng.random() < 0.5:
        body["disposition"] = "voluntary_transport_crisis_facility"
        body["transport_destination"] = "Alder Crisis Stabilization Unit"
        body["custody_transfer_minutes"] = rng.randint(2, 30)
    return body


def _run(port: int, plan: list[Request], tokens: list[str], rate: float = 0) -> Round:
    """The planned requests, sent from one thread per token, each on its own keep-alive
    connection and as its own officer; a thread takes the next request when it has an answer.

    Requests are built before the clock starts; each latency is from sending the request to
    having read the whole answer. Throughput is requests over the wall time of the round.
    With a `rate`, request n is due n/rate seconds after the start and its latency counts from
    then, so time spent waiting for a free client counts too (no coordinated omission).
    """
    clients = len(tokens)
    counter = itertools.count()  # next() on it is atomic in CPython: each request taken once
    results = [Round() for _ in range(clients)]
    start = threading.Barrier(clients + 1)
    t0 = 0.0

    def client(i: int) -> None:
        mine = results[i]
        signed = {"Authorization": f"Bearer {tokens[i]}", "Content-Type": "application/json"}
        conn = http.client.HTTPConnection(HOST, port, timeout=120)
        start.wait()
        while (n := next(counter)) < len(plan):
            method, path, body = plan[n]
            headers = signed if body is not None else {}
            began = time.perf_counter()
            if rate:
                if (wait := t0 + n / rate - began) > 0:
                    time.sleep(wait)
                began = t0 + n / rate
            try:
                conn.request(method, path, body, headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()  # reconnects on the next request
                status = 0
            mine.latencies_ms.append((time.perf_counter() - began) * 1000)
            mine.statuses[status] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    t0 = began = time.perf_counter()
    start.wait()
    for t in threads:
        t.join()
    pooled = Round(seconds=time.perf_counter() - began)
    for r in results:
        pooled.latencies_ms += r.latencies_ms
        pooled.statuses += r.statuses
    return pooled


def _require(result: Round, expected: int, what: str, log: Path) -> None:
    wrong = {status: n for status, n in result.statuses.items() if status != expected}
    if wrong:
        print(log.read_text()[-3000:], file=sys.stderr)
        _setup.fail(f"{what}: {sum(wrong.values())} answers other than {expected}: {wrong}")


def _check_what_was_written(expected: int) -> None:
    """Every 201 stored one encounter and its screen, and the audit chain is unbroken."""
    from crossroads.core import audit
    from crossroads.encounters.models import Encounter, EncounterScreen

    stored, screens = Encounter.objects.count(), EncounterScreen.objects.count()
    if stored != expected or screens != expected:
        _setup.fail(f"{stored} encounters and {screens} screens stored, expected {expected}")
    length, breaks = audit.verify()
    if breaks:
        _setup.fail(f"the audit chain of {length} events has {len(breaks)} breaks")
    print(f"  stored {stored} encounters with their screens; audit chain of {length} verified")


class CpuMeter:
    """CPU used while it is open by the server's processes, by the PostgreSQL backends serving
    the bench's database, and by this process (the clients), from Linux /proc (10 ms ticks).

    Processes are sampled every half second, so a backend that starts during a round counts
    (Django replaces its connection after CONN_MAX_AGE); one that exits loses at most its last
    half second. The sampling thread's own CPU counts as the clients'.
    """

    def __init__(self, server: int, database: str | None) -> None:
        self.server, self.database = server, database
        self.used: Counter[str] = Counter()
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample_until_stopped, daemon=True)

    def __enter__(self) -> CpuMeter:
        self._first = self._sample()
        self._last = dict(self._first)
        self._clients = time.process_time()
        self._sampler.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._sampler.join()
        self._last.update(self._sample())
        ticks: Counter[str] = Counter()
        for (who, pid), now in self._last.items():
            ticks[who] += now - self._first.get((who, pid), 0)
        hz = os.sysconf("SC_CLK_TCK")
        self.used = Counter({who: n / hz for who, n in ticks.items()})
        self.used["clients"] = time.process_time() - self._clients

    def _sample_until_stopped(self) -> None:
        while not self._stop.wait(0.5):
            self._last.update(self._sample())

    def _sample(self) -> dict[tuple[str, int], int]:
        """(who, pid) -> user + system ticks (fields 14 and 15 of /proc/PID/stat)."""
        procs: dict[int, tuple[str, int, int]] = {}  # pid -> command, parent, ticks
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
            except OSError:
                continue  # exited meanwhile
            command = text[text.index("(") + 1 : text.rindex(")")]
            fields = text[text.rindex(")") + 2 :].split()
            ticks = int(fields[11]) + int(fields[12])
            procs[int(stat.parent.name)] = (command, int(fields[1]), ticks)
        children: dict[int, list[int]] = {}
        for pid, (_, parent, _) in procs.items():
            children.setdefault(parent, []).append(pid)
        sample: dict[tuple[str, int], int] = {}
        todo = [self.server]
        while todo:
            pid = todo.pop()
            if pid in procs:
                sample[("server", pid)] = procs[pid][2]
            todo += children.get(pid, [])
        if self.database:  # a backend's title: "postgres: 15/main: USER DATABASE HOST state"
            for pid, (command, _, ticks) in procs.items():
                try:
                    if command == "postgres" and f" {self.database} ".encode() in (
                        Path(f"/proc/{pid}/cmdline").read_bytes()
                    ):
                        sample[("database", pid)] = ticks
                except OSError:
                    continue
        return sample


def _postgres_database() -> str | None:
    from django.db import connection

    return connection.settings_dict["NAME"] if connection.vendor == "postgresql" else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _serve(port: int, workers: int, threads: int, log: Path) -> subprocess.Popen[bytes]:
    """`crossroads serve` without the background worker (an encounter queues no task).

    It inherits DATABASE_URL and CROSSROADS_DATA_DIR from _setup, so it serves the bench's
    database. Threads go through GUNICORN_CMD_ARGS, which gunicorn reads on top of its flags.
    """
    env = dict(os.environ)
    if threads > 1:
        env["GUNICORN_CMD_ARGS"] = f"--threads {threads}"
    command = [
        *(sys.executable, "-m", "crossroads.cli", "serve", "--no-worker"),
        *("--host", HOST, "--port", str(port), "--workers", str(workers)),
    ]
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603  # nosec B603


def _wait_until_up(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            print(log.read_text()[-3000:], file=sys.stderr)
            _setup.fail("the server exited at start")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.2)
    _setup.fail("the server did not answer /healthz within 60 s")


def _get_json(port: int, path: str, token: str) -> dict[str, object]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 200:
        _setup.fail(f"GET {path} answered {response.status}: {body[:300]!r}")
    return json.loads(body)  # type: ignore[no-any-return]


def _stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM to `serve`, which stops gunicorn; before _setup drops the database at exit."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


if __name__ == "__main__":
    main()
