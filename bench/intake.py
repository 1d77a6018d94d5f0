"""Benchmark 3, intake: residents creating requests through the public API (validation, deadlines,
the request number under a row lock, the submit event, and whatever the service runs at intake: the
routing suggestion and duplicate check once they are wired in) vs a hello-world POST on the same
server. Bars (issue #12): ratio ≥ 0.2 and ≥ 100 requests/s on this machine.

Writes real requests into the scale database (a few thousand per run). One Huey worker (on the local
Redis when it answers, as in production) runs beside gunicorn and sends the notifications requests queue.

    .venv/bin/python bench/intake.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    SCALE_DB,
    WRK_SECONDS,
    cpu_used,
    django_setup,
    gunicorn,
    huey_worker,
    load,
    out,
    server_cpu_seconds,
    verdict,
    wrk,
)

MIN_RATIO = 0.2
MIN_RPS = 100.0
RESIDENTS = 1200  # each resident may file 30 requests an hour (rate limit "intake.user"): spread over many
# Each request: a random resident's token and one of a few hundred different descriptions (the same
# text from the same place would be a duplicate: the duplicate check would merge it, not create it).
LUA = """
local tokens = {%(tokens)s}
local problems = {%(problems)s}
local counter = 0
function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end
function init(args)
  math.randomseed(seed)
end
function request()
  counter = counter + 1
  local body = string.format(%(body)s, problems[math.random(#problems)], math.random(1, 1000000), counter)
  local headers = {}
  headers["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", nil, headers, body)
end
"""
PROBLEMS = [
    "楼道灯不亮,晚上上下楼看不清",
    "小区门口垃圾堆放多日无人清运",
    "电梯经常停在半层,老人不敢坐",
    "楼上漏水,卫生间天花板在滴水",
    "路边井盖松动,踩上去会晃",
    "夜里广场舞音响太响影响休息",
    "单元门禁坏了,陌生人随便进出",
    "绿化带里有人私自种菜",
    "消防通道被私家车占用",
    "暖气不热,室温只有十五度",
]


def lua_script(tokens: list[str], place_id: int | None) -> str:
    def lua_str(text: str) -> str:
        return json.dumps(text)  # ASCII-only (\\u escapes): a valid Lua string literal and valid JSON inside

    body = json.dumps(
        {"description": "%s(第%d号,编号%d)", "place_id": place_id}, ensure_ascii=True
    )  # %s, %d: filled per request by string.format
    return LUA % {
        "tokens": ", ".join(lua_str(t) for t in tokens),
        "problems": ", ".join(lua_str(json.dumps(p)[1:-1]) for p in PROBLEMS),
        "body": lua_str(body),
    }


def residents_with_tokens(building: object) -> list[str]:
    """``RESIDENTS`` resident accounts living in the building's street, each with an API token."""
    from linli.accounts.models import User
    from linli.accounts.services import token_issue
    from linli.people.models import Person

    street_path = building.path[:10]  # type: ignore[attr-defined]
    existing = list(User.objects.filter(username__startswith="bench-resident-").order_by("pk")[:RESIDENTS])
    if len(existing) < RESIDENTS:
        taken = User.objects.exclude(person=None).values("person_id")
        people = Person.objects.filter(place_path__under=street_path).exclude(pk__in=taken)[: RESIDENTS - len(existing)]
        User.objects.bulk_create([User(username=f"bench-resident-{p.pk}", person=p) for p in people])
        existing = list(User.objects.filter(username__startswith="bench-resident-").order_by("pk")[:RESIDENTS])
    return [token_issue(user=u, name="bench-intake")[1] for u in existing]


def main() -> int:
    django_setup()
    from linli.places.models import Place
    from linli.tickets.models import Ticket

    # The last street's last building: the demo street and grid accounts' queues (measured by the queue
    # and growth benches) do not fill up with the requests this bench writes.
    building = Place.objects.filter(kind="building").order_by("-path").first()
    assert building is not None, "the scale database has no buildings: run generate_scale"
    tokens = residents_with_tokens(building)
    # Runs an hour apart are independent; back-to-back runs would otherwise spend the synthetic residents'
    # hourly allowance ("intake.user", 30 an hour each) and count the 429s as errors. Scale database only.
    from linli.accounts.models import RateCounter

    RateCounter.objects.filter(purpose="intake.user").delete()
    before = Ticket.objects.count()
    out(f"intake bench on {SCALE_DB.rsplit('/', 1)[-1]}: {before:,} requests; {len(tokens)} residents; load {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "post.lua"
        script.write_text(lua_script(tokens, building.pk), encoding="utf-8")
        with gunicorn() as base, huey_worker():
            body = json.dumps({"description": "楼道灯不亮,请尽快维修", "place_id": building.pk}).encode()
            headers = {"Authorization": f"Bearer {tokens[0]}", "Content-Type": "application/json"}
            probe = urllib.request.Request(f"{base}/api/v1/requests", data=body, headers=headers)
            with urllib.request.urlopen(probe, timeout=30) as r:
                assert r.status == 201, r.status
            database = SCALE_DB.rsplit("/", 1)[-1]
            cpu = server_cpu_seconds(database)
            hello = wrk(f"{base}/bench/hello-post", script=str(script))
            hello_cpu = cpu_used(cpu, cpu := server_cpu_seconds(database))
            # The floor (bench/urls.py): the token check, the body parsed, one row written and committed.
            floor = wrk(f"{base}/bench/floor/write", script=str(script))
            cpu = server_cpu_seconds(database)
            got = wrk(f"{base}/api/v1/requests", script=str(script))
            time.sleep(1)  # the worker finishes the notifications queued by the last requests
            intake_cpu = cpu_used(cpu, server_cpu_seconds(database))
    made = Ticket.objects.count() - before - 1
    ratio = got.rps / hello.rps
    out(f"  hello-world POST: {hello.rps:,.0f} req/s")
    out(
        f"  floor (token check + one row committed): {floor.rps:,.0f} req/s, ratio {floor.rps / hello.rps:.2f} "
        f"to hello-world{f', {floor.errors} errors' if floor.errors else ''}"
    )
    out(
        f"  POST /api/v1/requests: {got.rps:,.0f} req/s (p50 {got.p50_ms:.0f} ms, p99 {got.p99_ms:.0f} ms), "
        f"{made:,} requests created, {got.errors} errors; ratio {ratio:.2f} ({got.rps / floor.rps:.2f} of the floor)"
    )
    # Load-independent view: the server side's CPU (gunicorn, worker, PostgreSQL) per request.
    hello_ms = sum(hello_cpu.values()) * 1000 / max(1, hello.rps * WRK_SECONDS)
    intake_ms = sum(intake_cpu.values()) * 1000 / max(1, made)
    parts = ", ".join(f"{k} {v * 1000 / max(1, made):.1f}" for k, v in intake_cpu.items())
    cores = os.cpu_count() or 2
    out(
        f"  server CPU per request: hello-world {hello_ms:.2f} ms, intake {intake_ms:.1f} ms ({parts}) "
        f"(CPU ratio {hello_ms / intake_ms:.3f}; {cores} cores would top out near {cores * 1000 / intake_ms:,.0f} "
        f"intakes/s with nothing else running); load {load()}"
    )
    ok = verdict("intake throughput ratio", ratio, MIN_RATIO)
    ok &= verdict("intake requests/s", got.rps, MIN_RPS)
    ok &= got.errors == 0
    ok &= made >= got.rps * WRK_SECONDS * 0.9  # every answered request really created one
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
