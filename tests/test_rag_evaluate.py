"""`make eval`: the retrieval evaluation runs end to end on the shipped manuals and questions, reports
BM25, dense and hybrid on the test split, and gates on the hybrid beating both."""

from __future__ import annotations

import re
import subprocess

from .odoo_server import REPO

ROW = re.compile(r"^\s*(?P<name>.+?)\s+(?P<r5>[01]\.\d{3})\s+(?P<mrr>[01]\.\d{3})\s+(?P<ndcg>[01]\.\d{3})\s*$")


def test_make_eval_prints_every_method_and_passes_its_gate():
    proc = subprocess.run(["make", "-s", "eval"], cwd=REPO, capture_output=True, text=True, timeout=900, check=False)
    out = proc.stdout
    assert proc.returncode == 0, out[-2000:] + proc.stderr[-2000:]
    headline = out.split("test split (headline)", 1)[1].split("whole set", 1)[0]
    rows = {m["name"].split(" (")[0]: m for m in map(ROW.match, headline.splitlines()) if m}
    assert {"BM25", "dense", "hybrid default", "hybrid, reciprocal rank fusion"} <= set(rows), headline
    for metric in ("r5", "mrr", "ndcg"):
        hybrid = float(rows["hybrid default"][metric])
        assert hybrid > max(float(rows["BM25"][metric]), float(rows["dense"][metric])), (metric, headline)
    assert "hybrid default beats both single methods on every test metric: yes" in out
    assert re.search(r"corpus: \d{3,} passages .* \d{3} questions \(\d+ dev, \d+ test\)", out), out[:400]
