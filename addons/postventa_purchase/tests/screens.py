"""Screenshots of each screen a browser tour shows, written by the test run (never committed).

A tour step logs ``postventa-screen:<name>`` on the browser console and waits until the page reads
``window.__postventaScreen == <name>``; the test's browser catches that line, asks Chrome for a screenshot
and, once Chrome has answered, sets the marker so the tour goes on. Each file is
``$POSTVENTA_SCREENSHOT_DIR/<tour>/<NN>-<name>.png`` (default directory ``/tmp/postventa-screens``).
"""

import base64
import json
import os
import pathlib
import re
import shutil
from contextlib import contextmanager
from unittest.mock import patch

from odoo.tests.common import ChromeBrowser

PREFIX = "postventa-screen:"
DEFAULT_DIR = "/tmp/postventa-screens"


def screenshot_dir(tour_name):
    return pathlib.Path(os.environ.get("POSTVENTA_SCREENSHOT_DIR") or DEFAULT_DIR) / tour_name


@contextmanager
def tour_screens(tour_name):
    """Catch the tour's screen requests while the block runs; yields the list of files written."""
    directory = screenshot_dir(tour_name)
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    original = ChromeBrowser._handle_console

    def handle_console(browser, type, args=None, **kw):  # noqa: A002 (Chrome's own argument name)
        first = browser._from_remoteobject(args[0]) if args else None
        if type == "log" and isinstance(first, str) and first.startswith(PREFIX):
            name = re.sub(r"[^\w-]+", "-", first[len(PREFIX):]).strip("-") or "screen"
            path = directory / f"{len(written) + 1:02d}-{name}.png"
            written.append(path)
            future = browser._websocket_send("Page.captureScreenshot", with_future=True)

            def save(done, path=path, marker=first[len(PREFIX):]):
                try:
                    data = done.result(timeout=0).get("data")
                    if data:
                        path.write_bytes(base64.b64decode(data))
                finally:
                    browser._websocket_send("Runtime.evaluate", params={
                        "expression": f"window.__postventaScreen = {json.dumps(marker)}",
                    })

            if future:
                future.add_done_callback(save)
        return original(browser, type, args=args, **kw)

    with patch.object(ChromeBrowser, "_handle_console", handle_console):
        yield written
