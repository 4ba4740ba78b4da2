"""Sealing calendar URLs: a private ICS address is a password to someone's calendar.

The database holds only the URL encrypted (Fernet: AES-128-CBC with an HMAC, from the
``cryptography`` package), under a key derived with HKDF from a secret the operator keeps out
of the database (the web secret key, or any setting read from env or a ``*_FILE``). A copied
database or backup then leaks nothing; a wrong or rotated key makes the stored URLs
unreadable (:class:`SealError`), and the person is asked to set their link again.

Nothing here logs, and :class:`SealError` never carries the URL or the token.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"deskbreak calendar url v1"
MIN_SECRET_LENGTH = 16


class SealError(ValueError):
    """A sealed URL this key cannot open (another key, or tampered with)."""


class UrlCipher:
    def __init__(self, secret: str | bytes) -> None:
        raw = secret.encode() if isinstance(secret, str) else secret
        if len(raw) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"the key for calendar links needs at least {MIN_SECRET_LENGTH} characters")
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(raw)
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, url: str) -> str:
        return self._fernet.encrypt(url.encode()).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode()
        except (InvalidToken, UnicodeError, ValueError):
            raise SealError("this calendar link was sealed with another key") from None

    def __repr__(self) -> str:
        return "UrlCipher(<key hidden>)"
