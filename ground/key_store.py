"""The ground's key file for an authenticated link: the traffic security association (SPI, key, next ARSN)
and the master key that manages it (master SPI, key, next master ARSN; ccsds/sdls_management.py).

Every change replaces the file whole (a temporary file beside it, fsynced, renamed over it, the folder
fsynced), under an exclusive `flock` on a separate lock file `<name>.lock`: a process killed at any moment
leaves the old file or the new one, and the kernel drops its lock, so ARSNs never repeat across processes
and restarts. The file must be private (mode 0600): a key readable by group or others is refused.

First use: a missing key file is made (mode 0600, fresh random keys) only if its lock file does not exist
either. A lock file without its key file means the key file existed and was deleted: that is refused
rather than silently replaced by a new key the spacecraft does not know.

ARSNs are 32 bits: the last value, 2^32 - 1, is never handed out; before it a reservation fails with the
way to re-key, since wrapping to 0 under the same key would let old captured frames replay.
"""

import contextlib
import fcntl
import json
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

from ccsds.sdls import SecurityAssociation

KEY_BYTES = 32
DEFAULT_SPI = 1
DEFAULT_MASTER_SPI = 0xFF00
ARSN_LIMIT = (1 << 32) - 1
"""The first ARSN never handed out: a key whose next ARSN reaches it must be replaced."""
LOCK_SUFFIX = ".lock"
TEMPORARY_SUFFIX = ".tmp"
FIELDS = ("spi", "key", "next_arsn", "master_spi", "master_key", "next_master_arsn")


class KeyFileError(ValueError):
    """A key file that cannot be used; the message names the file, the field and the fix."""


class KeyStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + LOCK_SUFFIX)
        with self._locked():
            if not self.path.exists():
                self._create()
            fields = self._read()
        self.spi, self.key = fields["spi"], fields["key"]
        self.master_spi, self.master_key = fields["master_spi"], fields["master_key"]

    def association(self) -> SecurityAssociation:
        """The onboard side's association: same SPI and key, nothing accepted yet."""
        return SecurityAssociation(spi=self.spi, key=self.key)

    def master_association(self) -> SecurityAssociation:
        """The onboard side's master-key association (SA management), nothing accepted yet."""
        return SecurityAssociation(spi=self.master_spi, key=self.master_key)

    def reserve_arsn(self) -> int:
        """The next ARSN of the traffic association, taken under the lock so no two frames share one."""
        return self._reserve("next_arsn")

    def reserve_master_arsn(self) -> int:
        """The next ARSN of the master key."""
        return self._reserve("next_master_arsn")

    def last_arsn(self) -> int:
        """The last traffic ARSN handed out (0 if none): what the spacecraft should hold after a re-sync."""
        with self._locked():
            return self._read()["next_arsn"] - 1

    def _reserve(self, field: str) -> int:
        with self._locked():
            fields = self._read()
            arsn = fields[field]
            if arsn >= ARSN_LIMIT:
                raise KeyFileError(
                    f"{self.path}: {field} has reached 2^32-1, the ARSNs of this key are used up: re-key "
                    f"(move the file aside, let `zorka serve --keys {self.path}` make a new one, and "
                    "provision the spacecraft with it)"
                )
            self._write({**fields, field: arsn + 1})
        return arsn

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """The exclusive lock on the lock file (never the data file, which is replaced by rename)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as error:
            raise KeyFileError(f"{self.lock_path}: cannot open the lock file ({error.strerror})") from None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)

    def _create(self) -> None:
        """First use: new keys, unless the lock file shows a key file existed here before."""
        if self.lock_path.stat().st_size:
            raise KeyFileError(
                f"{self.path}: the key file is missing but {self.lock_path.name} shows it existed: restore "
                f"it from a backup, or delete {self.lock_path} to make new keys (then provision the "
                "spacecraft with them)"
            )
        fields = {
            "spi": DEFAULT_SPI,
            "key": secrets.token_bytes(KEY_BYTES),
            "next_arsn": 1,
            "master_spi": DEFAULT_MASTER_SPI,
            "master_key": secrets.token_bytes(KEY_BYTES),
            "next_master_arsn": 1,
        }
        self._write(fields)
        with open(self.lock_path, "w") as marker:  # the trace that a key file exists here
            marker.write(self.path.name + "\n")

    def _write(self, fields: dict) -> None:
        stored = {name: value.hex() if isinstance(value, bytes) else value for name, value in fields.items()}
        text = json.dumps(stored, indent=1)
        temporary = self.path.with_name(self.path.name + TEMPORARY_SUFFIX)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            os.fchmod(descriptor, 0o600)
            handle.write(text + "\n")
            handle.flush()
            os.fsync(descriptor)
        os.replace(temporary, self.path)
        folder = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)

    def _read(self) -> dict:
        try:
            descriptor = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError as error:
            raise KeyFileError(f"{self.path}: cannot read the key file ({error.strerror})") from None
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            os.close(descriptor)
            raise KeyFileError(f"{self.path}: not a regular file; give the path of the key file")
        if stat.S_IMODE(mode) & 0o077:
            os.close(descriptor)
            raise KeyFileError(
                f"{self.path}: readable by group or others (mode {stat.S_IMODE(mode):04o}): "
                f"run `chmod 600 {self.path}`"
            )
        with os.fdopen(descriptor, "rb") as handle:
            raw = handle.read(4096)
        try:
            return self._parse(raw.decode())
        except UnicodeDecodeError:
            raise KeyFileError(f"{self.path}: not UTF-8 text; restore it from a backup") from None

    def _parse(self, text: str) -> dict:
        try:
            fields = json.loads(text)
        except ValueError:
            raise KeyFileError(f"{self.path}: not JSON; restore it from a backup") from None
        if not isinstance(fields, dict):
            raise KeyFileError(f"{self.path}: expected an object with {', '.join(FIELDS)}")
        parsed = {}
        for name, bits in (("spi", 16), ("master_spi", 16)):
            value = fields.get(name)
            if type(value) is not int or not 0 <= value < 1 << bits:
                raise KeyFileError(f"{self.path}: {name} must be an integer 0..65535")
            parsed[name] = value
        if parsed["spi"] == parsed["master_spi"]:
            raise KeyFileError(f"{self.path}: master_spi must differ from spi")
        for name in ("key", "master_key"):
            value = fields.get(name)
            try:
                key = bytes.fromhex(value) if isinstance(value, str) else b""
            except ValueError:
                key = b""
            if len(key) != KEY_BYTES:
                hint = " (a key file without a master key predates SA management: make a new one)"
                raise KeyFileError(
                    f"{self.path}: {name} must be {KEY_BYTES} bytes in hex ({2 * KEY_BYTES} digits)"
                    + (hint if name == "master_key" and value is None else "")
                )
            parsed[name] = key
        for name in ("next_arsn", "next_master_arsn"):
            value = fields.get(name)
            if type(value) is not int or not 1 <= value <= ARSN_LIMIT:
                raise KeyFileError(f"{self.path}: {name} must be an integer 1..2^32-1")
            parsed[name] = value
        return parsed
