"""Benchmark: smart dispatch. Training time on 100,000 labelled requests (bar: < 120 s) and the
suggestion latency of that model, text → top 3 categories with scores, p95 over 1,000 texts in
process (bar: ≤ 20 ms). Exits non-zero below either bar.

    .venv/bin/python bench/routing.py            # BENCH_ROUTING_ROWS=100000 by default

The 100,000 rows come from ``linli/routing/data/make_requests.py`` with different seeds (our own
self-written cores; nothing downloaded). The model is the one ``train_routing`` builds
(``linli.routing.classifier``). The database lookups ``engine.suggest`` adds (current version,
the three categories) are two indexed queries and not counted here.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from linli.routing import classifier
from linli.routing.data.make_requests import build

ROWS = int(os.environ.get("BENCH_ROUTING_ROWS", "100000"))
MAX_TRAIN_SECONDS = 120.0
MAX_P95_MS = 20.0


def main() -> int:
    rows: list[dict[str, str]] = []
    seed = 0
    while len(rows) < ROWS:
        rows += build(seed=seed)
        seed += 1
    rows = rows[:ROWS]
    texts = [classifier.text_of(r["标题"], r["内容"]) for r in rows]
    labels = [r["分类"] for r in rows]
    print(f"load average {' '.join(f'{n:.2f}' for n in os.getloadavg())}; {len(texts)} rows", flush=True)

    started, cpu = time.monotonic(), time.process_time()
    model = classifier.fit(texts, labels)
    blob = classifier.dump(model)
    train_s, train_cpu = time.monotonic() - started, time.process_time() - cpu
    print(f"training: {train_s:.1f} s wall ({train_cpu:.1f} s CPU), model {len(blob) / 1e6:.1f} MB", flush=True)

    model = classifier.load(blob)
    probe = [classifier.text_of("", r["内容"]) for r in build(seed=10_000)][:1000]
    for text in probe[:20]:
        classifier.top_k(model, text)  # warm-up
    timings = []
    for text in probe:
        t = time.perf_counter()
        classifier.top_k(model, text)
        timings.append((time.perf_counter() - t) * 1000)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"suggestion latency: median {statistics.median(timings):.2f} ms, p95 {p95:.2f} ms", flush=True)

    ok = True
    if train_s >= MAX_TRAIN_SECONDS:
        print(f"FAIL training {train_s:.1f} s ≥ {MAX_TRAIN_SECONDS:.0f} s")
        ok = False
    if p95 > MAX_P95_MS:
        print(f"FAIL p95 {p95:.2f} ms > {MAX_P95_MS:.0f} ms")
        ok = False
    print("OK" if ok else "BELOW THE BAR")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
