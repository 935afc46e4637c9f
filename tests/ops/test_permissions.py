"""Files other users must read are created with the permissions the umask gives: the model folder (mkdtemp
alone makes it 0700, so another user's ingest failed every file)."""
from __future__ import annotations

import os
import stat

from pipeline.parse.nlp import build_pipeline


def test_model_folder_is_readable_as_the_umask_says(tmp_path):
    old = os.umask(0o022)
    try:
        target = build_pipeline(tmp_path / "models" / "minutes_da")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o755
    assert (target / "config.cfg").stat().st_mode & 0o044 == 0o044
