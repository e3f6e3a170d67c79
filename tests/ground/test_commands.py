"""Commands by name against the flight software's own decoder: what the ground encodes, the flight
dictionary decodes to the same values, byte for byte as the exported struct encodings say; a bad
command line is one CommandError line, whatever text is typed."""

import math
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from spacepackets.ecss import PusTc

from ground.commands import CommandBook, CommandError, request_id


@pytest.fixture(scope="module")
def book(dictionary) -> CommandBook:
    return CommandBook(dictionary)


def unpack(packet: bytes) -> PusTc:
    tc = PusTc.unpack(packet)
    assert tc.pack() == packet
    return tc


def test_a_function_carries_its_id_then_its_enum_as_the_dictionary_encodes_them(book, dictionary):
    tc = unpack(book.packet("set_adcs_mode", ["mode=SUN_SAFE"], sequence_count=5))
    spec = next(c for c in dictionary["commands"] if c["name"] == "set_adcs_mode")
    (mode,) = spec["args"]
    assert (tc.apid, tc.service, tc.message_subtype, tc.seq_count) == (dictionary["apid"], 8, 1, 5)
    assert tc.app_data == struct.pack(">H", spec["function_id"]) + struct.pack(
        mode["encoding"], mode["values"]["SUN_SAFE"]
    )
    assert tc.pus_tc_sec_header.ack_flags == 0b1111


def test_every_argument_type_round_trips_through_the_flight_decoder(book, flight_dictionary):
    lines = {
        "image_target": ["lat=48.1deg", "lon=-0.25", "alt=350"],
        "hold_inertial": ["q_x=0", "q_y=0", "q_z=0.6", "q_w=0.8"],
        "set_pointing_gains": ["bandwidth=0.2", "damping=0.9"],
        "hk_set_interval": ["sid=1,2", "interval=5,0x10"],
        "schedule_shift_all": ["shift=-1500"],
        "ping": [],
    }
    for name, words in lines.items():
        tc = unpack(book.packet(name, words, sequence_count=1))
        command = flight_dictionary.commands[name]
        offset = 0 if command.function_id is None else 2
        values = command.decode(tc.app_data, offset)
        assert command.encode(values) == tc.app_data, name
    image = flight_dictionary.commands["image_target"].decode(
        unpack(book.packet("image_target", lines["image_target"], 1)).app_data, 2
    )
    assert image["lat"] == math.radians(48.1) and image["lon"] == -0.25 and image["alt"] == 350.0
    intervals = flight_dictionary.commands["hk_set_interval"].decode(
        unpack(book.packet("hk_set_interval", lines["hk_set_interval"], 1)).app_data
    )
    assert intervals == [{"sid": 1, "interval": 5}, {"sid": 2, "interval": 16}]


def test_an_embedded_tc_travels_after_its_group_arguments(book, flight_dictionary):
    ping = PusTc(apid=0x100, service=17, message_subtype=1, seq_count=9).pack()
    tc = unpack(
        book.packet(
            "schedule_insert", ["time_code=CDS_SHORT", "days=25000", "ms_of_day=1000", f"tc={ping.hex()}"], 2
        )
    )
    (group,) = flight_dictionary.commands["schedule_insert"].decode(tc.app_data)
    assert group["days"] == 25000 and group["tc"] == ping


def test_sequence_counts_wrap_at_14_bits_and_name_the_request(book):
    packet = book.packet("ping", [], sequence_count=16384 + 3)
    assert unpack(packet).seq_count == 3
    assert request_id(packet) == packet[:4] and len(request_id(packet)) == 4


@pytest.mark.parametrize(
    ("name", "words", "message"),
    [
        (
            "set_adcs_mode",
            ["mode=SUNSAFE"],
            "set_adcs_mode: mode='SUNSAFE': must be one of DETUMBLE, SUN_SAFE",
        ),
        ("image_target", ["lat=2", "lon=0", "alt=0"], "lat='2': must be float in [-1.5708, 1.5708] rad"),
        ("image_target", ["lat=91deg", "lon=0", "alt=0"], "or [-90, 90]deg"),
        ("image_target", ["lat=0"], "image_target: missing argument lon (float in [-3.14159, 3.14159] rad"),
        ("ping", ["x=1"], "ping: unknown argument 'x'; it takes no arguments"),
        ("set_pointing_gains", ["bandwidth=nan", "damping=1"], "bandwidth='nan': must be float in [0.01, 1]"),
        ("hk_one_shot", ["sid=70000"], "sid='70000': must be uint in [0, 65535]"),
        ("hk_one_shot", ["sid=1.5"], "sid='1.5': must be uint"),
        ("hk_set_interval", ["sid=1,2", "interval=5"], "must have the same length"),
        (
            "hk_one_shot",
            ["sid"],
            "'sid' is not key=value; usage: hk_one_shot sid=<list of uint in [0, 65535]>",
        ),
        ("hk_one_shot", ["sid=1", "sid=2"], "argument 'sid' given twice"),
        (
            "schedule_insert",
            ["time_code=CDS_SHORT", "days=1", "ms_of_day=0", "tc=00"],
            "tc='00': must be a space",
        ),
        ("set_adcs_mod", [], "unknown command 'set_adcs_mod'; did you mean set_adcs_mode"),
    ],
)
def test_a_bad_command_line_is_one_line_naming_the_argument_and_what_is_allowed(book, name, words, message):
    with pytest.raises(CommandError) as error:
        book.packet(name, words, 0)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_enum_names_are_case_insensitive_and_codes_are_accepted(book):
    assert book.packet("set_adcs_mode", ["mode=sun_safe"], 0) == book.packet("set_adcs_mode", ["mode=1"], 0)


WORD = st.text(max_size=12) | st.sampled_from(["mode=", "lat=", "sid=", "tc=", "q_w=", "1e999", "deg", ","])


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(["set_adcs_mode", "image_target", "hk_set_interval", "schedule_insert", "x"]),
    st.lists(WORD.map("".join) | st.builds("{}={}".format, WORD, WORD), max_size=5),
)
def test_any_text_encodes_or_raises_only_command_error(book, flight_dictionary, name, words):
    try:
        packet = book.packet(name, words, 0)
    except CommandError as error:
        assert "\n" not in str(error)
        return
    tc = unpack(packet)
    command = flight_dictionary.commands[name]
    values = command.decode(tc.app_data, 0 if command.function_id is None else 2)
    assert command.encode(values) == tc.app_data


def test_arguments_left_out_take_their_dictionary_defaults_as_the_flight_software_encodes_them(
    book, flight_dictionary
):
    words = ["request_id=5", "lat=48deg", "lon=2deg"]
    app_data = book.commands["imaging_request_add"].app_data(words)
    command = flight_dictionary.commands["imaging_request_add"]
    defaults = {a.name: a.default for a in command.args if a.default is not None}
    expected = defaults | {"request_id": 5, "lat": math.radians(48.0), "lon": math.radians(2.0)}
    assert command.decode(app_data) == pytest.approx(expected)
    assert defaults["window_start"] == defaults["window_end"] == 0.0  # 0: the window is open
    given = ["pmon_id=40,41", "parameter_id=1,2", "low_limit=0,1", "low_event_id=1,1"]
    groups = book.commands["monitoring_add"].app_data([*given, "high_limit=5,6", "high_event_id=2,2"])
    decoded = flight_dictionary.commands["monitoring_add"].decode(groups)
    assert [(g["repetition"], g["check_type"]) for g in decoded] == [(1, 1), (1, 1)]


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("hk_set_interval sid=1,2 interval=5,10", "hk_set_interval sid=1,2 interval=5,10"),
        ("set_adcs_mode mode=SUN_SAFE", "set_adcs_mode mode=SUN_SAFE"),
        ("image_target lat=0.5 lon=-1 alt=12", "image_target lat=0.5 lon=-1 alt=12"),
        ("ping", "ping"),
    ],
)
def test_a_tc_packet_is_described_by_its_command_line(book, line, shown):
    name, *words = line.split()
    assert book.describe_packet(book.packet(name, words, 3)) == shown


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=80))
def test_any_bytes_described_as_a_tc_give_one_line(book, raw):
    assert "\n" not in book.describe_packet(raw)


def test_help_says_what_each_argument_means_its_range_unit_default_and_how_lists_are_written(book):
    text = book.commands["imaging_request_add"].help()
    assert "window_start: float in [0, 1.09951e+12] s; default 0 s" in text
    assert "0: no earliest time (open)" in text
    lists = book.commands["hk_set_interval"].help()
    assert "sid: a comma-separated list of uint in [0, 65535]" in lists and "repeated: each argument" in lists
