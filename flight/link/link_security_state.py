"""What the onboard link keeps across restarts to refuse replays, and the events it raises about it.

Two stores, each two copies (flight/link/state_copies.py) beside the `state_file` path:
- the traffic store (`link_state.a/b.json`): the last accepted ARSN and the state of every security
  association, and FARM-1's V(R); written after every frame that passes the security checks;
- the master store (`link_master.a/b.json`): the last ARSN accepted under the master key; written (both
  copies) only when an SA-management procedure runs, so it survives what wears out the traffic store.

On load every field is checked (ranges, exactly the configured SPIs). A traffic store that is not proven
current (flight/link/state_copies.py) makes the link refuse authenticated telecommands until the master
key re-synchronises each association (Stop SA, Set ARSN, Start SA); ARSNs are never reset to zero.
A master store that is not proven current leaves the master key refusing too: nothing sent over the link
can then re-open it, which is the point (a captured master frame must not replay). Only when neither store
has any trace is this a first boot: both are provisioned from the configured associations.
"""

from flight.events import EventDef, Severity

STATES = ("operational", "keyed")

LINK_STATE_LOST = EventDef(
    6001,
    "link_state_lost",
    Severity.HIGH,
    "anti-replay state not proven current: authenticated telecommands refused until re-synchronised",
    "{file}: {problem}; authenticated TCs refused until the master key sets the ARSN",
)
MASTER_STATE_LOST = EventDef(
    6002,
    "link_master_state_lost",
    Severity.HIGH,
    "master-key anti-replay state not proven current: SA-management procedures refused",
    "{file}: {problem}; master-key procedures refused (re-provision the spacecraft)",
)
SA_RESYNCHRONISED = EventDef(
    6003,
    "link_sa_resynchronised",
    Severity.MEDIUM,
    "an SA-management procedure changed a security association",
    "SA {spi}: {procedure} (ARSN {arsn})",
)
STATE_UNWRITABLE = EventDef(
    6004,
    "link_state_unwritable",
    Severity.HIGH,
    "the anti-replay state could not be written: authenticated telecommands refused",
    "{file}: {problem}",
)
FRAME_REFUSED = EventDef(
    6005,
    "link_frame_refused",
    Severity.MEDIUM,
    "authenticated TC frames refused by the security checks (reported at most every few seconds)",
    "TC frame refused: {reason} (SPI {spi}); {count} refused since the last report",
)
EVENTS = (LINK_STATE_LOST, MASTER_STATE_LOST, SA_RESYNCHRONISED, STATE_UNWRITABLE, FRAME_REFUSED)


def _is_int(value: object, low: int, high: int) -> bool:
    return type(value) is int and low <= value <= high


def traffic_validator(arsn_moduli: dict[int, int]):
    """A validator of traffic-store bodies for associations whose ARSNs roll over at `arsn_moduli[spi]`."""

    def validate(body: dict) -> str | None:
        if set(body) != {"generation", "vr", "sas"}:
            return "fields must be generation, vr, sas"
        if not _is_int(body["vr"], 0, 255):
            return "vr must be an integer 0..255"
        sas = body["sas"]
        if not isinstance(sas, dict) or set(sas) != {str(spi) for spi in arsn_moduli}:
            return f"sas must hold exactly the SPIs {sorted(arsn_moduli)}"
        for spi, modulus in arsn_moduli.items():
            sa = sas[str(spi)]
            if not isinstance(sa, dict) or set(sa) != {"arsn", "state"}:
                return f"sas.{spi} must hold arsn and state"
            if not _is_int(sa["arsn"], 0, modulus - 1):
                return f"sas.{spi}.arsn must be an integer 0..{modulus - 1}"
            if sa["state"] not in STATES:
                return f"sas.{spi}.state must be one of {', '.join(STATES)}"
        return None

    return validate


def master_validator(modulus: int):
    """A validator of master-store bodies for a master ARSN rolling over at `modulus`."""

    def validate(body: dict) -> str | None:
        if set(body) != {"generation", "arsn"}:
            return "fields must be generation, arsn"
        if not _is_int(body["arsn"], 0, modulus - 1):
            return f"arsn must be an integer 0..{modulus - 1}"
        return None

    return validate
