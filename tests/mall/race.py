"""Fire orders at a server from several processes at once, threads inside each process."""

import multiprocessing
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.mall.shop import ADDRESS


def _fire(url: str, item_id: int, jobs: list, start_at: float) -> list:
    def one(job):
        member_id, authorization = job
        time.sleep(max(0.0, start_at - time.time()))
        response = requests.post(f"{url}/api/v1/mall/orders",
                                 json={"item_id": item_id, "address": ADDRESS},
                                 headers={"Authorization": authorization}, timeout=60)
        return member_id, response.status_code, (response.json().get("error") or {}).get("code")

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(one, jobs))


def race(url: str, item_id: int, members: list[dict], processes: int = 4) -> list:
    """Every member orders one unit, all at the same moment; [(member_id, status, code)]."""
    jobs = [(m["id"], m["headers"]["Authorization"]) for m in members]
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        start_at = time.time() + 1.5  # the pool is up; leave time to hand out the work
        parts = pool.starmap_async(_fire, [(url, item_id, jobs[i::processes], start_at)
                                           for i in range(processes)]).get(timeout=120)
    return [result for part in parts for result in part]
