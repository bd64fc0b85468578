"""Load test of the REST API: N concurrent clients, each in a loop ``POST /preferences`` (a
valid body) then ``GET /status/{id}`` for the request it got back.

The API runs under uvicorn on a free loopback port in a child process (this file with
``--serve``), so server and clients do not share one interpreter. Its container uses a fresh
temporary home and an event bus that only RECORDS events: no flow ever runs. Tokens are local
HS256 tokens for ``--users`` users (clients share them round-robin); the per-user rate limit
is raised out of the way. Each client has its own ``httpx.AsyncClient`` (one keep-alive
connection). Requests started during the first ``--warmup`` seconds are not measured; the run
stops after ``--seconds`` and prints a Markdown table of per-route throughput, latency
percentiles and errors, the CPU both sides used, and whether the target (0 errors, p99 < 1 s)
was met.

Clients run a closed loop (``--think 0``): each always has one request in flight, so the mean
latency is about ``clients / total req/s`` (Little's law) whatever the server's config.

Diagnostics: ``--profile`` samples the server's thread stacks every 5 ms (py-spy is not
installed); ``--cprofile`` runs cProfile in every server thread and sums own time per
component. ``--tmpdir /dev/shm`` puts the SQLite file on tmpfs.

    .venv/bin/python benchmarks/api_load.py [--clients 1000] [--seconds 20] [--warmup 3]
        [--think 0] [--users 50] [--threads 40] [--limit-concurrency N] [--backlog 4096]
        [--tmpdir DIR] [--profile | --cprofile]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import secrets
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Never the developer's settings: everything the server uses is passed explicitly.
for _key in [k for k in os.environ if k.startswith("MANGAFLOW_")]:
    del os.environ[_key]

from mangaflow.manga.repository import repo  # noqa: E402
from mangaflow.platform.config import Settings  # noqa: E402
from mangaflow.platform.ports import EventBus  # noqa: E402

SECRET_ENV = "API_LOAD_JWT_SECRET"
PREFS = {
    "genres": ["Action", "Fantasy"], "themes": ["Friendship"], "artStyle": "Black and White",
    "targetAudience": "Teens", "contentRating": "PG-13",
}  # fmt: skip
ROUTES = ("POST /preferences", "GET /status/{id}")


def bench_settings(home: Path, secret: str) -> Settings:
    return Settings(_env_file=None, home=home, jwt_secret=secret,  # type: ignore[call-arg]
                    api_rate_per_minute=1_000_000_000)  # fmt: skip


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# ============================================================================ server side
class RecordingBus(EventBus):
    """Keeps what is published and runs nothing."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def publish(self, event: Any) -> None:
        with self._lock:
            self.counts[event.detail_type] += 1


class Sampler(threading.Thread):
    """A poor man's py-spy: every ``interval`` seconds, the Python stack of every other thread.
    Threads idle in the thread pool's queue or the event loop's ``select`` are counted apart."""

    IDLE = (("threading.py", "wait"), ("queue.py", "get"), ("selectors.py", "select"))

    def __init__(self, interval: float = 0.005) -> None:
        super().__init__(name="sampler", daemon=True)
        self.interval, self.stop = interval, threading.Event()
        self.leaf: Counter[str] = Counter()
        self.inclusive: Counter[str] = Counter()
        self.busy = self.idle = self.rounds = 0

    @staticmethod
    def _where(frame: Any, line: bool) -> str:
        code = frame.f_code
        path = code.co_filename
        for marker in ("site-packages/", "/mangaflow/", "/lib/python3"):
            if marker in path:
                path = path.split(marker, 1)[1]
                break
        return f"{path}:{frame.f_lineno if line else code.co_firstlineno} {code.co_name}"

    def run(self) -> None:
        me = threading.get_ident()
        while not self.stop.wait(self.interval):
            self.rounds += 1
            for tid, frame in sys._current_frames().items():
                if tid == me:
                    continue
                code = frame.f_code
                if any(code.co_filename.endswith(f) and code.co_name == n for f, n in self.IDLE):
                    self.idle += 1
                    continue
                self.busy += 1
                self.leaf[self._where(frame, True)] += 1
                seen: set[str] = set()
                f = frame
                while f is not None:
                    key = self._where(f, False)
                    if key not in seen:
                        seen.add(key)
                        self.inclusive[key] += 1
                    f = f.f_back

    def report(self, top: int = 25) -> str:
        out = [f"sampler: {self.rounds} rounds every {self.interval * 1000:.0f} ms; thread "
               f"samples busy={self.busy} idle={self.idle}"]  # fmt: skip
        for title, counter in (("leaf frames (file:line)", self.leaf),
                               ("inclusive (function)", self.inclusive)):  # fmt: skip
            out.append(f"\ntop {title}, % of busy samples:")
            for key, n in counter.most_common(top):
                out.append(f"  {100 * n / max(1, self.busy):5.1f}%  {key}")
        return "\n".join(out)


class ThreadProfiles:
    """cProfile in every thread of the server (the sync routes run in a thread pool, which a
    plain ``cProfile.run`` would miss): each new thread starts its own profiler."""

    def __init__(self) -> None:
        import cProfile

        self._new = cProfile.Profile
        self.profiles: list[Any] = []
        self._lock = threading.Lock()

    def _start(self, *_: Any) -> None:
        profile = self._new()
        with self._lock:
            self.profiles.append(profile)
        profile.enable()  # replaces this hook in the new thread

    def start(self) -> None:
        threading.setprofile(self._start)
        self._start()

    GROUPS = (  # (group, substring of the file path or built-in's name), first match wins
        ("wait: thread/GIL locks, queues", "_thread.lock"), ("wait: epoll (loop idle)", "epoll"),
        ("sqlite3 calls (incl. busy-handler sleeps)", "sqlite3."), ("sockets", "_socket"),
        ("uvicorn + h11 (HTTP)", "uvicorn/"), ("uvicorn + h11 (HTTP)", "h11/"),
        ("fastapi", "fastapi/"), ("starlette", "starlette/"), ("pydantic", "pydantic"),
        ("anyio (thread pool hop)", "anyio/"), ("asyncio", "asyncio/"), ("jwt", "jwt/"),
        ("mangaflow", "/mangaflow/"), ("json", "json/"),
    )  # fmt: skip

    def report(self, top: int = 25) -> str:
        import io
        import pstats

        threading.setprofile(None)  # type: ignore[arg-type]
        out = io.StringIO()
        stats = pstats.Stats(*self.profiles, stream=out)
        groups: Counter[str] = Counter()
        for (path, _, name), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
            where = f"{path} {name}"
            group = next((g for g, key in self.GROUPS if key in where), "other")
            groups[group] += tottime
        busy = sum(t for g, t in groups.items() if not g.startswith("wait"))
        out.write("own time by component, all server threads (cProfile, inflated by it):\n")
        for group, seconds in groups.most_common():
            share = "" if group.startswith("wait") else f"{100 * seconds / busy:5.1f}% of non-wait"
            out.write(f"  {seconds:8.2f} s  {share:20}  {group}\n")
        stats.strip_dirs()
        stats.sort_stats("tottime").print_stats(top)
        stats.sort_stats("cumulative").print_stats(top)
        return out.getvalue()


def serve(args: argparse.Namespace) -> None:
    """Child process: the API on ``args.port`` until SIGINT/SIGTERM, then a JSON stats line."""
    import anyio.to_thread
    import uvicorn

    from mangaflow.api.app import create_app
    from mangaflow.bootstrap import build

    raise_fd_limit()
    settings = bench_settings(Path(args.home), os.environ[SECRET_ENV])
    bus = RecordingBus()
    container = build(settings, bus=bus)
    app = create_app(lambda: container)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False,
        lifespan="off", backlog=args.backlog, limit_concurrency=args.limit_concurrency or None,
        timeout_keep_alive=60, http=args.http, loop=args.loop,
    )  # fmt: skip
    server = uvicorn.Server(config)
    sampler = Sampler() if args.profile else None
    profiles = ThreadProfiles() if args.cprofile else None

    async def main() -> None:
        anyio.to_thread.current_default_thread_limiter().total_tokens = args.threads
        if sampler is not None:
            sampler.start()
        if profiles is not None:
            profiles.start()
        await server.serve()

    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the SIGINT it handled
        asyncio.run(main())
    if sampler is not None:
        sampler.stop.set()
        sampler.join()
        print(sampler.report(), file=sys.stderr)
    if profiles is not None:
        print(profiles.report(), file=sys.stderr)
    stories = repo(container).list_stories
    users = {f"user{i}" for i in range(args.users)}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"events": dict(bus.counts), "cpu": usage.ru_utime + usage.ru_stime,
                      "stories": sum(len(stories(u)) for u in users)}))  # fmt: skip


# ============================================================================ client side
@dataclass
class Stats:
    start: float
    end: float
    latencies: dict[str, list[float]] = field(default_factory=lambda: {r: [] for r in ROUTES})
    errors: dict[str, Counter[str]] = field(default_factory=lambda: {r: Counter() for r in ROUTES})
    unmeasured: int = 0

    def add(self, route: str, started: float, elapsed: float, error: str | None) -> None:
        if not self.start <= started < self.end:
            self.unmeasured += 1
            return
        if error is None:
            self.latencies[route].append(elapsed)
        else:
            self.errors[route][error] += 1


async def one_client(
    client: Any, token: str, stats: Stats, stop_at: float, go: asyncio.Event, think: float
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    await go.wait()
    await asyncio.sleep(random.uniform(0, think))  # spread the clients' first requests
    while time.perf_counter() < stop_at:
        if think:
            await asyncio.sleep(think)
        route, t0 = ROUTES[0], time.perf_counter()
        try:
            status, body = await client.post("/preferences", PREFS, headers)
            elapsed = time.perf_counter() - t0
            if status != 202:
                stats.add(route, t0, elapsed, f"HTTP {status}")
                continue
            stats.add(route, t0, elapsed, None)
            request_id = body["requestId"]
            route, t0 = ROUTES[1], time.perf_counter()
            status, body = await client.get(f"/status/{request_id}", headers)
            elapsed = time.perf_counter() - t0
            ok = status == 200 and body.get("requestId") == request_id
            stats.add(route, t0, elapsed, None if ok else f"HTTP {status}")
        except Exception as exc:  # transport errors count, and the client goes on
            stats.add(route, t0, time.perf_counter() - t0, type(exc).__name__)
            await asyncio.sleep(0.05)


class HttpxClient:
    """One keep-alive connection per client (httpx)."""

    def __init__(self, base_url: str, timeout: float) -> None:
        import httpx

        self.http = httpx.AsyncClient(
            base_url=base_url, timeout=httpx.Timeout(timeout), verify=_TLS,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )  # fmt: skip

    async def post(self, path: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
        r = await self.http.post(path, json=body, headers=headers)
        return r.status_code, r.json()

    async def get(self, path: str, headers: dict[str, str]) -> tuple[int, Any]:
        r = await self.http.get(path, headers=headers)
        return r.status_code, r.json()

    async def aclose(self) -> None:
        await self.http.aclose()


class AiohttpClient:
    """One keep-alive connection per client (aiohttp: about half httpx's CPU per request,
    which matters when the clients share the 2 cores with the server they measure)."""

    def __init__(self, base_url: str, timeout: float) -> None:
        import aiohttp

        self.base = base_url
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=1), timeout=aiohttp.ClientTimeout(total=timeout)
        )

    async def post(self, path: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
        async with self.session.post(self.base + path, json=body, headers=headers) as r:
            return r.status, await r.json(content_type=None)

    async def get(self, path: str, headers: dict[str, str]) -> tuple[int, Any]:
        async with self.session.get(self.base + path, headers=headers) as r:
            return r.status, await r.json(content_type=None)

    async def aclose(self) -> None:
        await self.session.close()


_TLS = ssl.create_default_context()  # one context for all clients (each would load CAs)
CLIENTS = {"aiohttp": AiohttpClient, "httpx": HttpxClient}


async def run_clients(args: argparse.Namespace, base_url: str, tokens: list[str]) -> Stats:
    make = CLIENTS[args.client]
    clients = [make(base_url, args.timeout) for _ in range(args.clients)]
    begin = time.perf_counter()
    stats = Stats(start=begin + args.warmup, end=begin + args.warmup + args.seconds)
    go = asyncio.Event()
    tasks = [asyncio.create_task(one_client(c, tokens[i % len(tokens)], stats, stats.end, go,
                                            args.think))
             for i, c in enumerate(clients)]  # fmt: skip
    go.set()
    try:
        await asyncio.gather(*tasks)
    finally:
        await asyncio.gather(*(c.aclose() for c in clients), return_exceptions=True)
    stats.end = min(stats.end, time.perf_counter())
    return stats


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def table(stats: Stats) -> str:
    window = stats.end - stats.start
    lines = ["| route | ok | req/s | p50 ms | p90 ms | p99 ms | max ms | mean ms | errors |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|"]  # fmt: skip
    for route in ROUTES:
        lat = [x * 1000 for x in stats.latencies[route]]
        errors = stats.errors[route]
        err = f"{sum(errors.values())}" + (f" ({dict(errors)})" if errors else "")
        mean = statistics.fmean(lat) if lat else float("nan")
        lines.append(
            f"| `{route}` | {len(lat)} | {len(lat) / window:.0f} | {percentile(lat, 50):.0f} | "
            f"{percentile(lat, 90):.0f} | {percentile(lat, 99):.0f} | "
            f"{max(lat, default=float('nan')):.0f} | {mean:.0f} | {err} |"
        )
    return "\n".join(lines)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def api_server(args: argparse.Namespace, home: Path, secret: str) -> Iterator[tuple[str, Any]]:
    port = args.port or free_port()
    cmd = [sys.executable, __file__, "--serve", "--home", str(home), "--port", str(port),
           "--users", str(args.users), "--threads", str(args.threads),
           "--backlog", str(args.backlog), "--http", args.http, "--loop", args.loop]  # fmt: skip
    if args.limit_concurrency:
        cmd += ["--limit-concurrency", str(args.limit_concurrency)]
    cmd += ["--profile"] * args.profile + ["--cprofile"] * args.cprofile
    env = {**os.environ, SECRET_ENV: secret}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        import httpx

        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"server exited with {proc.returncode} before it was ready")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base_url}/health", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise SystemExit("server not ready after 60 s")
            time.sleep(0.2)
        result: dict[str, Any] = {}
        yield base_url, result
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        try:
            out, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        lines = [ln for ln in (out or "").splitlines() if ln.startswith("{")]
        if lines:
            result.update(json.loads(lines[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--client", choices=sorted(CLIENTS), default="aiohttp",
                        help="HTTP client library of the load generator")  # fmt: skip
    parser.add_argument("--clients", type=int, default=1000, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured duration")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured start")
    parser.add_argument("--think", type=float, default=0.0,
                        help="pause of each client before each POST+GET (0: closed loop)")  # fmt: skip
    parser.add_argument("--users", type=int, default=50, help="distinct users (tokens)")
    parser.add_argument("--timeout", type=float, default=30.0, help="client timeout (s)")
    parser.add_argument("--threads", type=int, default=40,
                        help="server thread pool size for sync routes (anyio default 40)")  # fmt: skip
    parser.add_argument("--limit-concurrency", type=int, default=0,
                        help="uvicorn limit_concurrency (0: none; over it answers 503)")  # fmt: skip
    parser.add_argument("--backlog", type=int, default=4096, help="listen backlog")
    parser.add_argument("--http", default="auto", help="uvicorn http implementation")
    parser.add_argument("--loop", default="auto", help="uvicorn event loop")
    parser.add_argument("--port", type=int, default=0, help="server port (0: a free one)")
    parser.add_argument("--tmpdir", default=None,
                        help="where the server's temporary home goes (e.g. /dev/shm)")  # fmt: skip
    parser.add_argument("--profile", action="store_true", help="sample the server's threads")
    parser.add_argument("--cprofile", action="store_true",
                        help="cProfile every server thread (slows the server down)")  # fmt: skip
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--home", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args)
        return

    from mangaflow.api.auth import issue_local_token

    raise_fd_limit()
    home = Path(tempfile.mkdtemp(prefix="mangaflow-api-load-", dir=args.tmpdir))
    secret = secrets.token_urlsafe(48)
    settings = bench_settings(home / "home", secret)
    tokens = [issue_local_token(settings, f"user{i}", ttl_seconds=3600) for i in range(args.users)]
    try:
        with api_server(args, home / "home", secret) as (base_url, server):
            print(f"server {base_url}: threads={args.threads} backlog={args.backlog} "
                  f"limit_concurrency={args.limit_concurrency or None} http={args.http} "
                  f"loop={args.loop}; {args.clients} clients, {args.users} users, "
                  f"think {args.think:g} s, {args.warmup:g} s warm-up + {args.seconds:g} s measured", flush=True)  # fmt: skip
            cpu0, t0 = time.process_time(), time.perf_counter()
            stats = asyncio.run(run_clients(args, base_url, tokens))
            client_cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print()
    print(table(stats))
    errors = sum(sum(c.values()) for c in stats.errors.values())
    p99 = max(percentile([x * 1000 for x in stats.latencies[r]], 99) for r in ROUTES)
    print(f"\nmeasured window {stats.end - stats.start:.1f} s; "
          f"{stats.unmeasured} requests outside it (warm-up / tail); "
          f"bus recorded {server.get('events')}; stories generated: {server.get('stories')}")  # fmt: skip
    print(f"CPU seconds over the {wall:.1f} s run: clients {client_cpu:.1f}, "
          f"server {server.get('cpu', float('nan')):.1f} (incl. its start-up)")  # fmt: skip
    verdict = "PASS" if errors == 0 and p99 < 1000 else "MISS"
    print(f"target (0 errors, p99 < 1000 ms on both routes): {verdict}")


if __name__ == "__main__":
    main()
