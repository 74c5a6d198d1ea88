"""/docs works without internet: Swagger UI's assets come from the bridge itself."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from bridge.app import create_app
from bridge.config import Settings


def test_docs_page_loads_swagger_ui_from_the_bridge():
    with TestClient(create_app(Settings(database_url="postgresql://127.0.0.1:1/none"))) as client:
        page = client.get("/docs")
        assert page.status_code == 200
        assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
        assert assets, page.text
        assert all(url.startswith("/") for url in assets), f"external assets: {assets}"
        for url in assets:
            asset = client.get(url)
            assert asset.status_code == 200, url
            assert len(asset.content) > 500, url
        js = client.get("/docs/assets/swagger-ui-bundle.js")
        assert "javascript" in js.headers["content-type"]
        assert client.get("/openapi.json").json()["info"]["title"] == "postventa bridge"
        assert client.get("/docs/assets/../../bridge/config.py").status_code == 404
