"""The shared frontier's scripts against a real Redis server: dedupe and
caps, the per-host lease and gap, reaping a dead worker, fencing, commits
and the shared policy-file cache."""

import json
import time

import pytest
import redis

from crawler.errors import ConfigError, WorkerFenced
from crawler.sharedfrontier import Release, SharedFrontier, record_fingerprint, signed


def record(fp, host, url=None):
    return f"{signed(fp)}|{host}|{json.dumps([url or f'http://{host}/{fp}'])}"


def worker(url, name, crawl="c1", ttl=30.0):
    frontier = SharedFrontier(redis.Redis.from_url(url, decode_responses=True), crawl, name)
    frontier.join(ttl)
    return frontier


def add(frontier, fp, host, page=True, max_pages=0, max_per_host=0):
    [verdict] = frontier.add([(fp, host, record(fp, host), page)], max_pages, max_per_host)
    return verdict


def test_every_url_is_queued_once_across_workers_and_caps_hold(redis_url):
    a, b = worker(redis_url, "a"), worker(redis_url, "b")
    assert add(a, 1, "h1") == 1
    assert add(b, 1, "h1") == 0  # seen by another worker
    assert add(a, (1 << 64) - 1, "h1") == 1  # the top of the unsigned range fits the signed sets
    assert add(b, 2, "h1", max_per_host=2) == 3
    assert add(b, 3, "h2", max_pages=2) == 2
    assert add(b, 4, "h2", page=False, max_pages=2) == 1  # a redirect or sitemap is not a page
    assert a.status()["urls_seen"] == 3 and a.status()["urls_pending"] == 3
    assert a.add([(fp, "h3", record(fp, "h3"), True) for fp in (9, 9, 1)], 0, 0) == [1, 0, 0]  # one call
    assert b.seen([9, 10, (1 << 64) - 1]) == [True, False, True]
    assert b.pending()[0] == 4 and b.crowd == 2

def test_records_and_states_cross_the_frontier_whole(redis_url):
    """Items travel as tab-separated lines: JSON escapes any tab or newline a request or state holds."""
    a = worker(redis_url, "a")
    odd = f"{signed(7)}|h1|" + json.dumps(["http://h1/é", "parse", None, {"note": "a\tb\nc"}, {}, False, 0],
                                         ensure_ascii=False)
    assert a.add([(7, "h1", odd, True)], 0, 0) == [1]
    [claim], _ = a.claim(1)
    assert claim.record == odd and claim.state == ""
    state = json.dumps({"floors": {"x\ty": 1.5}})
    a.sync((), [], [Release("h1", 0.0, None, 0.0, state, requeue=odd)], 0)
    [claim], _ = a.claim(1)
    assert (claim.record, claim.state) == (odd, state)


def test_a_host_is_leased_to_one_worker_and_due_again_only_after_its_gap(redis_url):
    a, b = worker(redis_url, "a"), worker(redis_url, "b")
    for fp in (1, 2, 3):
        add(a, fp, "h1")
    add(a, 4, "h2")
    claims, _ = a.claim(10)
    assert sorted(c.host for c in claims) == ["h1", "h2"]  # one request per host
    assert record_fingerprint(next(c.record for c in claims if c.host == "h1")) == 1
    assert b.claim(10)[0] == []  # leased hosts are nobody else's
    assert b.start("h1", 1.0, None, borrow=False).refused
    assert a.start("h1", 1.0, None, borrow=False).wait > 0.9  # the claim counted as the lease's first start
    a.release("h1", 1.0, 0.0, 0.0, "")
    claims, due_in = b.claim(10)
    assert claims == [] and 0.9 < due_in <= 1.0  # a second after the response began
    time.sleep(due_in)
    claims, _ = b.claim(10)
    assert [(c.host, record_fingerprint(c.record)) for c in claims] == [("h1", 2)]
    assert claims[0].gap >= 1.0  # since the previous start, on the Redis clock, across workers


def test_start_waits_for_the_gap_and_a_pause_delays_the_host(redis_url):
    a = worker(redis_url, "a")
    for fp in (1, 2):
        add(a, fp, "h1")
    a.claim(1)
    waiting = a.start("h1", 0.5, 0.0, borrow=False)  # a second request under the same lease
    assert not waiting.ok and 0.4 < waiting.wait <= 0.5
    time.sleep(waiting.wait)
    assert a.start("h1", 0.5, None, borrow=False).ok
    a.release("h1", 0.5, 0.0, pause=30.0, state='{"paused": "ratelimit"}')
    assert a.claim(1)[1] > 29
    assert a.status()["hosts_paused"] == 1


def test_a_robots_redirect_borrows_a_free_host_and_waits_for_a_leased_one(redis_url):
    a, b = worker(redis_url, "a"), worker(redis_url, "b")
    add(a, 1, "h1")
    a.claim(1)
    assert b.start("h1", 1.0, None, borrow=True).wait > 0  # leased by a: wait
    verdict = b.start("h9", 1.0, None, borrow=True)  # nobody's: borrowed for the one request
    assert verdict.ok and verdict.borrowed
    b.release("h9", 1.0, 0.0, 0.0, "")
    assert a.start("h9", 1.0, None, borrow=True).wait > 0.9


def test_a_dead_worker_is_reaped_and_its_urls_go_back_to_the_head(redis_url, tmp_path):
    a, b = worker(redis_url, "a", ttl=1.0), worker(redis_url, "b")
    for fp in (1, 2, 3):
        add(a, fp, "h1")
    add(a, 4, "h2")
    add(a, 5, "h3")
    claims, _ = a.claim(10)
    a.settle(4, stored=True)  # its document is in an open shard
    a.settle(5, stored=False)  # done
    staging, final = tmp_path / "s.inprogress", tmp_path / "c1-a-00000.parquet"
    staging.write_bytes(b"shard")
    a.commit("c1-a-00000.parquet", staging, final, [])  # killed before the rename
    assert b.pending() == (3, [])  # h1's claimed URL and its two queued ones; h2's is held, h3's done
    time.sleep(1.1)
    assert b.pending()[1] == ["a"]
    assert b.reap("a") == (1, 1)
    assert final.read_bytes() == b"shard" and not staging.exists()  # rolled forward
    claims, _ = b.claim(10)
    assert sorted((c.host, record_fingerprint(c.record)) for c in claims) == [("h1", 1), ("h2", 4)]
    assert b.pending() == (4, [])
    with pytest.raises(WorkerFenced):
        a.start("h1", 1.0, None, borrow=False)
    with pytest.raises(WorkerFenced):
        a.commit("c1-a-00001.parquet", staging, final, [4])
    assert not a.beat(1.0)


def test_commit_marks_held_urls_done_and_a_graceful_leave_returns_the_rest(redis_url, tmp_path):
    a, b = worker(redis_url, "a"), worker(redis_url, "b")
    for fp in (1, 2):
        add(a, fp, f"h{fp}")
    a.claim(10)
    a.settle(1, stored=True)
    a.settle(2, stored=True)
    a.commit("x", tmp_path / "x.inprogress", tmp_path / "x", [1])
    a.confirm("x")
    a.leave()
    claims, _ = b.claim(10)
    assert [record_fingerprint(c.record) for c in claims] == [2]
    assert b.status()["workers_alive"] == ["b"]


def test_a_worker_id_in_use_is_refused_and_a_dead_one_is_taken_up(redis_url):
    a = worker(redis_url, "a", ttl=0.5)
    with pytest.raises(ConfigError, match="worker a of this crawl is running"):
        worker(redis_url, "a")
    add(a, 1, "h1")
    a.claim(1)
    time.sleep(0.6)
    again = worker(redis_url, "a")  # the dead run is reaped first
    assert [record_fingerprint(c.record) for c in again.claim(1)[0]] == [1]


def test_policy_files_are_shared_while_valid_and_looked_up_together(redis_url):
    a, b = worker(redis_url, "a"), worker(redis_url, "b")
    both = ["http://h1/robots.txt", "http://h1/.well-known/tdmrep.json"]
    assert b.get_policies(both) == {}
    a.put_policy(both[0], {"state": "parsed", "detail": "200", "failures": "0"}, 0.3, 60)
    a.put_policy("http://h2/robots.txt", {"state": "unreachable", "detail": "503", "failures": "4"}, None, 60)
    found = b.get_policies([*both, "http://h2/robots.txt"])
    assert set(found) == {both[0], "http://h2/robots.txt"}  # one call; the file nobody fetched is missing
    fields, left = found[both[0]]
    assert fields["state"] == "parsed" and 0.2 < left <= 0.3
    assert found["http://h2/robots.txt"] == ({"state": "unreachable", "detail": "503", "failures": "4"}, None)
    time.sleep(0.3)
    assert b.get_policies(both) == {}
