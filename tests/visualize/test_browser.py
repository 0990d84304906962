"""The review page in a real browser: headless Chromium opens index.html from disk.

A copy of the page gets a small probe script that writes every SVG's rendered size
and the findings table's codes into the DOM; `--dump-dom` prints it.  A screenshot of
the page itself is written next to it (REVIEW_SCREENSHOT_DIR keeps a copy).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from conftest import EXAMPLES

from helpdesk.cli import main

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
PROBE = """<script>
window.addEventListener('load', function () {
  var sizes = Array.from(document.querySelectorAll('svg')).map(function (svg) {
    var box = svg.getBoundingClientRect(); return [box.width, box.height]; });
  var codes = Array.from(document.querySelectorAll('table.findings td.code'))
    .map(function (td) { return td.textContent; });
  var out = document.createElement('pre'); out.id = 'probe';
  out.textContent = JSON.stringify({sizes: sizes, codes: codes});
  document.body.appendChild(out);
});
</script>"""


def _chromium(tmp_path: Path, *args: str) -> str:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    command = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    return result.stdout


def test_review_page_in_chromium(broken_dir: Path, tmp_path: Path) -> None:
    assert Path(CHROMIUM).is_file(), "install Chromium: apt-get install -y chromium"
    shutil.copy(EXAMPLES / "route-inbound-sms.yaml", broken_dir / "route-inbound-sms.yaml")
    out = tmp_path / "review"
    main(["review", str(broken_dir), "--out", str(out)])
    page = out / "index.html"
    probe = out / "probe.html"
    probe.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    dom = _chromium(tmp_path, "--dump-dom", probe.as_uri())
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found is not None, dom[-2000:]
    data = json.loads(found.group(1).replace("&quot;", '"'))
    assert len(data["sizes"]) >= 8
    assert all(width > 0 and height > 0 for width, height in data["sizes"])
    expected = {
        "E-cycle",
        "E-unknown-step",
        "E-unknown-attribute",
        "E-type-mismatch",
        "E-priority-tie",
        "W-unreachable",
        "W-shadowed-branch",
        "W-unsatisfiable",
        "W-missing-else",
        "W-shadowed-workflow",
        "W-yaml-bool",
    }
    assert expected <= set(data["codes"])
    shot = tmp_path / "review.png"
    _chromium(tmp_path, "--window-size=1400,3000", f"--screenshot={shot}", page.as_uri())
    assert shot.read_bytes().startswith(b"\x89PNG")
    keep = os.environ.get("REVIEW_SCREENSHOT_DIR")
    if keep:
        shutil.copy(shot, Path(keep) / "review.png")
