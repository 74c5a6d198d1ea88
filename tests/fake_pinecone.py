"""A local stand-in for a Pinecone serverless index, speaking the data-plane HTTP protocol the real
``pinecone`` SDK uses (JSON, camelCase, ``Api-Key`` header): ``/vectors/upsert``, ``/query``,
``/vectors/delete``, ``/describe_index_stats``, ``/vectors/fetch``. Exact dot-product search in memory.
It also answers the control plane's ``GET /indexes/<name>`` (describe), so the SDK can resolve the index
host by name when ``PINECONE_CONTROLLER_HOST`` points here.

Only for tests: the bridge's code is never patched; the real SDK is pointed at this server's URL.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class FakePineconeIndex:
    def __init__(self, api_key: str = "test-key", dimension: int = 384, name: str = "manuals"):
        self.name = name
        self.api_key = api_key
        self.dimension = dimension
        self.namespaces: dict[str, dict[str, dict]] = {}
        self.requests: list[tuple[str, str, dict]] = []  # (method, path, body) for assertions
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakePineconeIndex:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- protocol ---------------------------------------------------------------------------
    def upsert(self, body: dict) -> tuple[int, dict]:
        namespace = body.get("namespace", "") or "__default__"
        vectors = body.get("vectors") or []
        for v in vectors:
            if len(v.get("values") or []) != self.dimension:
                return 400, {"code": 3, "message": f"Vector dimension {len(v.get('values') or [])} does not "
                                                   f"match the dimension of the index {self.dimension}"}
        store = self.namespaces.setdefault(namespace, {})
        for v in vectors:
            store[v["id"]] = {"id": v["id"], "values": list(v["values"]), "metadata": v.get("metadata") or {}}
        return 200, {"upsertedCount": len(vectors)}

    def query(self, body: dict) -> tuple[int, dict]:
        namespace = body.get("namespace", "") or "__default__"
        vector = body.get("vector")
        if vector is None or len(vector) != self.dimension:
            return 400, {"code": 3, "message": "query vector missing or of the wrong dimension"}
        store = self.namespaces.get(namespace, {})
        scored = sorted(
            ({"id": rec["id"], "score": sum(a * b for a, b in zip(vector, rec["values"], strict=True)),
              **({"metadata": rec["metadata"]} if body.get("includeMetadata") else {}),
              **({"values": rec["values"]} if body.get("includeValues") else {"values": []})}
             for rec in store.values()),
            key=lambda m: (-m["score"], m["id"]),
        )
        return 200, {"matches": scored[: int(body.get("topK", 10))], "namespace": body.get("namespace", ""),
                     "usage": {"readUnits": 1}}

    def delete(self, body: dict) -> tuple[int, dict]:
        namespace = body.get("namespace", "") or "__default__"
        if body.get("deleteAll"):
            self.namespaces.pop(namespace, None)
        else:
            store = self.namespaces.get(namespace, {})
            for vid in body.get("ids") or []:
                store.pop(vid, None)
            if not store:
                self.namespaces.pop(namespace, None)
        return 200, {}

    def stats(self, body: dict) -> tuple[int, dict]:
        namespaces = {ns: {"vectorCount": len(v)} for ns, v in self.namespaces.items() if v}
        return 200, {"namespaces": namespaces, "dimension": self.dimension, "indexFullness": 0.0,
                     "totalVectorCount": sum(n["vectorCount"] for n in namespaces.values()),
                     "metric": "dotproduct", "vectorType": "dense"}

    def fetch(self, query: dict) -> tuple[int, dict]:
        namespace = (query.get("namespace") or [""])[0] or "__default__"
        store = self.namespaces.get(namespace, {})
        found = {vid: store[vid] for vid in query.get("ids", []) if vid in store}
        return 200, {"vectors": found, "namespace": (query.get("namespace") or [""])[0], "usage": {"readUnits": 1}}

    def describe(self, name: str) -> tuple[int, dict]:
        if name != self.name:
            return 404, {"error": {"code": "NOT_FOUND", "message": f"Resource {name} not found"}, "status": 404}
        return 200, {"name": self.name, "host": self.url, "status": {"ready": True, "state": "Ready"},
                     "schema": {"fields": {"values": {"type": "dense_vector", "dimension": self.dimension,
                                                      "metric": "dotproduct"}}},
                     "deployment": {"deployment_type": "managed", "cloud": "aws", "region": "us-east-1"},
                     "deletion_protection": "disabled"}

    def _handler(self):
        index = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _reply(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorized(self) -> bool:
                if self.headers.get("Api-Key") != index.api_key:
                    self._reply(401, {"error": {"code": "UNAUTHENTICATED", "message": "Invalid API Key"},
                                      "status": 401})
                    return False
                return True

            def do_POST(self):
                if not self._authorized():
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                routes = {"/vectors/upsert": index.upsert, "/query": index.query, "/vectors/delete": index.delete,
                          "/describe_index_stats": index.stats}
                route = routes.get(urlparse(self.path).path)
                if route is None:
                    self._reply(404, {"code": 5, "message": f"no route {self.path}"})
                    return
                with index._lock:
                    index.requests.append(("POST", urlparse(self.path).path, body))
                    status, payload = route(body)
                self._reply(status, payload)

            def do_GET(self):
                if not self._authorized():
                    return
                parsed = urlparse(self.path)
                if parsed.path.startswith("/indexes/"):
                    with index._lock:
                        index.requests.append(("GET", parsed.path, {}))
                        status, payload = index.describe(parsed.path.removeprefix("/indexes/"))
                    self._reply(status, payload)
                    return
                if parsed.path != "/vectors/fetch":
                    self._reply(404, {"code": 5, "message": f"no route {self.path}"})
                    return
                with index._lock:
                    index.requests.append(("GET", parsed.path, {}))
                    status, payload = index.fetch(parse_qs(parsed.query))
                self._reply(status, payload)

        return Handler
