"""The shipped receivers: the n8n workflow is importable JSON whose Code node verifies our signatures
(run with Node.js when installed) and whose Switch routes every event type that has a schema."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from bridge.events.schemas import known_types
from bridge.events.signing import secret_key, sign

REPO = Path(__file__).resolve().parent.parent
WORKFLOW = REPO / "integrations" / "n8n" / "postventa-events.json"
SECRET = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="


def load() -> dict:
    return json.loads(WORKFLOW.read_text(encoding="utf-8"))


def test_workflow_is_wired():
    wf = load()
    by_name = {n["name"]: n for n in wf["nodes"]}
    assert len(by_name) == len(wf["nodes"])
    types = {n["type"] for n in wf["nodes"]}
    assert {"n8n-nodes-base.webhook", "n8n-nodes-base.code", "n8n-nodes-base.switch"} <= types
    webhook = next(n for n in wf["nodes"] if n["type"] == "n8n-nodes-base.webhook")
    assert webhook["parameters"]["options"]["rawBody"] is True and webhook["parameters"]["httpMethod"] == "POST"
    for source, outputs in wf["connections"].items():
        assert source in by_name
        for branch in outputs["main"]:
            assert all(target["node"] in by_name for target in branch)
    switch = next(n for n in wf["nodes"] if n["type"] == "n8n-nodes-base.switch")
    routed = {rule["outputKey"] for rule in switch["parameters"]["rules"]["values"]}
    assert set(known_types()) <= routed, set(known_types()) - routed
    assert len(wf["connections"][switch["name"]]["main"]) == len(routed) + 1  # + fallback


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js not installed")
def test_code_node_verifies_bridge_signatures():
    code = next(n for n in load()["nodes"] if n["type"] == "n8n-nodes-base.code")["parameters"]["jsCode"]
    library = code.split("// --- n8n glue")[0]
    body = json.dumps({"id": "x", "type": "warranty.decided", "data": {"nota": "frenos ñ"}}, ensure_ascii=False,
                      separators=(",", ":"))
    ts = 1_764_158_400
    good = sign(secret_key(SECRET), "msg_1", ts, body.encode())
    raw_secret_sig = sign(secret_key("plain secret"), "msg_1", ts, body.encode())
    cases = [
        (SECRET, {"Webhook-Id": "msg_1", "webhook-timestamp": str(ts), "webhook-signature": f"v1,bad {good}"}, ts,
         True),
        ("plain secret", {"webhook-id": "msg_1", "webhook-timestamp": str(ts), "webhook-signature": raw_secret_sig},
         ts + 10, True),
        (SECRET, {"webhook-id": "msg_2", "webhook-timestamp": str(ts), "webhook-signature": good}, ts, False),
        (SECRET, {"webhook-id": "msg_1", "webhook-timestamp": str(ts), "webhook-signature": good}, ts + 301, False),
        (SECRET, {"webhook-id": "msg_1", "webhook-timestamp": str(ts)}, ts, False),
    ]
    script = library + "\nconst cases = " + json.dumps(cases) + ";\nconst body = " + json.dumps(body) + ";\n" + \
        "console.log(JSON.stringify(cases.map(([s, h, now]) => verifyStandardWebhook(s, h, body, now).ok)));\n"
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30, check=True)
    assert json.loads(out.stdout) == [c[3] for c in cases]
