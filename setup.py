"""Build hook: the shipped content travels inside the package.

``content/`` at the top of the repository is the single source of the stretches, tips,
prompts and red flags. A wheel (``pip install .``, ``pipx install .``, ``python -m build``)
has no repository around it, so the build copies that folder into the package as
``bot/_content``; ``bot.settings.BUILTIN_CONTENT_DIR`` reads that copy when it exists and the
repository's ``content/`` otherwise (a source checkout or an editable install). Everything
else about the package is declared in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SOURCE = Path(__file__).resolve().parent / "content"
PACKAGED = Path("bot") / "_content"


class BuildPyWithContent(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads content/ where it is
            return
        target = Path(self.build_lib) / PACKAGED
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(SOURCE, target, ignore=shutil.ignore_patterns("__pycache__", ".*"))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        if not self.editable_mode:
            base = Path(self.build_lib) / PACKAGED
            outputs += [str(base / p.relative_to(SOURCE)) for p in SOURCE.rglob("*") if p.is_file()]
        return outputs


setup(cmdclass={"build_py": BuildPyWithContent})
