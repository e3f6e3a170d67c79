"""The ground's key file for an authenticated link: the security association's SPI and key, and the
next anti-replay sequence number (ARSN) to use.

The ARSN is reserved under an exclusive file lock, one frame at a time, so every ground process sharing
the file (a console, a one-shot `zorka send`) sends strictly increasing ARSNs, across restarts too —
the spacecraft accepts only a short forward window. A missing file is created with a fresh random key
(mode 0600) for bench use; a file that cannot be read is a `KeyFileError` naming the file and the field.
"""

import contextlib
import fcntl
import json
import os
import secrets
from pathlib import Path

from ccsds.sdls import SecurityAssociation

KEY_BYTES = 32
DEFAULT_SPI = 1


class KeyFileError(ValueError):
    """A key file that cannot be used; the message names the file, the field and the fix."""


class KeyStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
                self._create()
        self.spi, self.key = self._read()[:2]

    def association(self) -> SecurityAssociation:
        """The onboard side's association: same SPI and key, nothing accepted yet."""
        return SecurityAssociation(spi=self.spi, key=self.key)

    def reserve_arsn(self) -> int:
        """The next ARSN, taken under the file lock so no two frames ever share one."""
        with self.path.open("r+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            spi, key, arsn = self._parse(handle.read())
            handle.seek(0)
            handle.truncate()
            handle.write(self._text(spi, key, arsn + 1))
            handle.flush()
            os.fsync(handle.fileno())
        return arsn

    def _create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(self._text(DEFAULT_SPI, secrets.token_bytes(KEY_BYTES), 1))

    def _read(self) -> tuple[int, bytes, int]:
        """The file's fields, read under a shared lock so a reservation in progress is never seen torn."""
        try:
            with self.path.open("rb") as handle:
                fcntl.flock(handle, fcntl.LOCK_SH)
                text = handle.read().decode()
        except OSError as error:
            raise KeyFileError(f"{self.path}: cannot read the key file ({error.strerror})") from None
        except UnicodeDecodeError:
            raise KeyFileError(f"{self.path}: not UTF-8 text; delete it to make a new key") from None
        return self._parse(text)

    def _parse(self, text: str) -> tuple[int, bytes, int]:
        try:
            fields = json.loads(text)
        except ValueError:
            raise KeyFileError(f"{self.path}: not JSON; delete it to make a new key") from None
        if not isinstance(fields, dict):
            raise KeyFileError(f"{self.path}: expected an object with spi, key and next_arsn")
        spi, key, arsn = fields.get("spi"), fields.get("key"), fields.get("next_arsn")
        if not isinstance(spi, int) or not 0 <= spi < 1 << 16:
            raise KeyFileError(f"{self.path}: spi must be an integer 0..65535")
        try:
            key_bytes = bytes.fromhex(key) if isinstance(key, str) else b""
        except ValueError:
            key_bytes = b""
        if len(key_bytes) != KEY_BYTES:
            raise KeyFileError(f"{self.path}: key must be {KEY_BYTES} bytes in hex ({2 * KEY_BYTES} digits)")
        if not isinstance(arsn, int) or not 1 <= arsn < 1 << 32:
            raise KeyFileError(f"{self.path}: next_arsn must be an integer 1..2^32-1")
        return spi, key_bytes, arsn

    @staticmethod
    def _text(spi: int, key: bytes, arsn: int) -> str:
        return json.dumps({"spi": spi, "key": key.hex(), "next_arsn": arsn}, indent=1) + "\n"
