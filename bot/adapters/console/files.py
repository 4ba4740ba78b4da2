"""Where the console puts a message's pictures: files in a folder, named in the answer.

A terminal cannot show a PNG, and piping one into stdout would garble it for the person and
for any program reading the output. So each attachment is written to a file (by default
``saved/`` in the data folder, beside the database; ``DESKBREAK_PICTURES_DIR`` chooses
another) and the answer ends with one plain line saying where: "Picture saved to …".
Writing is atomic (a temporary file, then a rename): a viewer that has the file open never
sees half a picture. A folder that cannot be written costs that one line, never the answer.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from pathlib import Path

from bot.core.messages import Attachment, Message

log = logging.getLogger(__name__)

SAVED = "saved"  # the default folder's name, in the data folder
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(filename: str) -> str:
    """``filename`` as a plain name in the folder: no directories, no hidden file."""
    name = _UNSAFE.sub("-", Path(filename).name).lstrip(".-") or "picture.png"
    return name[:120]


class SavedFiles:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def save(self, message: Message) -> list[str]:
        """Write each attachment; the lines that tell the person where they went."""
        lines = []
        for attachment in message.attachments:
            what = "Picture" if attachment.content_type.startswith("image/") else "File"
            try:
                path = self._write(attachment)
            except OSError as exc:
                log.warning("could not save %s in %s: %s", attachment.filename, self.folder,
                            exc.strerror or exc)
                lines.append(f"{what} not saved: cannot write to {self.folder} "
                             f"({exc.strerror or exc}).")
                continue
            lines.append(f"{what} saved to {path}")
        return lines

    def _write(self, attachment: Attachment) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / safe_name(attachment.filename)
        fd, tmp = tempfile.mkstemp(prefix=".saving-", suffix=".tmp", dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(attachment.data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path
