"""Every `ohwb funnel` command in docs/funnel.md runs as written; the worked example prints what it shows."""

import re
import shlex
import shutil
from pathlib import Path

from ohwb_pipeline.cli import main as ohwb

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "funnel.md"
EXAMPLE_INPUT = "data/reference/funnel_parity/inputs/pr_org_202506.csv"


def documented_funnel_commands() -> list[list[str]]:
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", DOC.read_text(), re.S):
        for line in block.replace("\\\n", " ").splitlines():
            tokens = shlex.split(line)
            if tokens[:2] == [".venv/bin/ohwb", "funnel"]:
                commands.append(tokens[1:])
    return commands


def test_every_documented_funnel_command_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(REPO / "data/reference/funnel_parity", tmp_path / "data/reference/funnel_parity")
    commands = documented_funnel_commands()
    assert len(commands) == 3
    for argv in commands:
        # The synopsis' INPUT.csv is the worked example's real month.
        argv = [EXAMPLE_INPUT if a == "INPUT.csv" else a for a in argv]
        assert ohwb(argv) == 0, shlex.join(argv)
        out = Path(argv[argv.index("--out") + 1])
        assert out.exists()
    printed = capsys.readouterr().out.splitlines()[-1]
    assert printed in DOC.read_text(), "the worked example's output is the one in the doc"
