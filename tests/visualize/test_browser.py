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
from typing import Any

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
    var box = svg.getBoundingClientRect(); return [box.width, box.height, box.right]; });
  var page = document.documentElement;
  var codes = Array.from(document.querySelectorAll('table.findings td.code'))
    .map(function (td) { return td.textContent; });
  var out = document.createElement('pre'); out.id = 'probe';
  out.textContent = JSON.stringify({sizes: sizes, codes: codes, scroll: page.scrollWidth,
    client: page.clientWidth, sides: document.querySelectorAll('.side .del, .side .add').length});
  document.body.appendChild(out);
});
</script>"""


def _chromium(tmp_path: Path, *args: str) -> str:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    command = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    return result.stdout


def _probe(tmp_path: Path, page: Path) -> dict[str, Any]:
    """The probe's findings about `page`, opened 1,400 pixels wide."""
    probe = page.with_name("probe.html")
    probe.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    dom = _chromium(tmp_path, "--window-size=1400,3000", "--dump-dom", probe.as_uri())
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found is not None, dom[-2000:]
    data: dict[str, Any] = json.loads(found.group(1).replace("&quot;", '"'))
    return data


def _fits(data: dict[str, Any]) -> None:
    """No horizontal scrolling at 1,400 pixels: the page and every picture fit."""
    assert data["scroll"] <= data["client"] <= 1400
    assert all(right <= data["client"] for _, _, right in data["sizes"])


def test_review_page_in_chromium(broken_dir: Path, tmp_path: Path) -> None:
    assert Path(CHROMIUM).is_file(), "install Chromium: apt-get install -y chromium"
    shutil.copy(EXAMPLES / "route-inbound-sms.yaml", broken_dir / "route-inbound-sms.yaml")
    out = tmp_path / "review"
    main(["review", str(broken_dir), "--out", str(out)])
    page = out / "index.html"
    data = _probe(tmp_path, page)
    assert len(data["sizes"]) >= 8
    assert all(width > 0 and height > 0 for width, height, _ in data["sizes"])
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
    _fits(data)
    shot = tmp_path / "review.png"
    _chromium(tmp_path, "--window-size=1400,3000", f"--screenshot={shot}", page.as_uri())
    assert shot.read_bytes().startswith(b"\x89PNG")
    keep = os.environ.get("REVIEW_SCREENSHOT_DIR")
    if keep:
        shutil.copy(shot, Path(keep) / "review.png")


def test_a_changed_workflow_fits_the_page_with_its_yaml_side_by_side(
    repo: Path,
    tmp_path: Path,
    events: Path,
) -> None:
    out = tmp_path / "review"
    args = ["review", str(repo / "workflows"), "--out", str(out), "--base", "HEAD"]
    assert main([*args, "--traffic", str(events)]) == 0
    page = out / "index.html"
    data = _probe(tmp_path, page)
    _fits(data)
    assert data["sides"] >= 6  # the lines the change removed, added and edited
    shot = tmp_path / "changed.png"
    _chromium(tmp_path, "--window-size=1400,6000", f"--screenshot={shot}", page.as_uri())
    assert shot.read_bytes().startswith(b"\x89PNG")
    keep = os.environ.get("REVIEW_SCREENSHOT_DIR")
    if keep:
        shutil.copy(shot, Path(keep) / "changed.png")
