"""`helpdesk-rules validate` starts without the webhook's, the stores' and the progress
bar's libraries; `helpdesk`'s public names still load on first use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import helpdesk

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("starlette", "uvicorn", "twilio", "psycopg", "tqdm")

VALIDATE = """
import json, sys
from helpdesk.cli import main
code = main(["validate", "workflows/"])
loaded = sorted({name.split(".")[0] for name in sys.modules} & set(json.loads(sys.argv[1])))
print(json.dumps({"code": code, "loaded": loaded}))
"""


def test_validate_does_not_import_the_heavy_libraries() -> None:
    result = subprocess.run(
        [sys.executable, "-c", VALIDATE, json.dumps(HEAVY)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    report = json.loads(result.stdout.splitlines()[-1])
    assert report == {"code": 0, "loaded": []}


def test_every_public_name_is_known_to_the_lazy_loader() -> None:
    assert set(helpdesk._SOURCES) == set(helpdesk.__all__)
    assert set(helpdesk.__all__) <= set(dir(helpdesk))


def test_the_webhook_still_imports_by_name() -> None:
    from helpdesk import create_app

    assert create_app.__module__ == "helpdesk._webhook"
