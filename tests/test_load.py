"""The loader: positions, duplicate keys, timestamps as written, hostile input."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conftest import FORMAT_EXAMPLE
from hindsight.load import MAX_FILE_BYTES, LoadError, load_bytes, load_file


def load(text: str | bytes):
    raw = text.encode() if isinstance(text, str) else text
    return load_bytes(raw, Path("x.yaml"))


def test_values_keep_their_line_and_column():
    document = load_file(FORMAT_EXAMPLE)
    assert document.position(("action_items", 1, "owner")) == (106, 12)
    assert document.key_position(("analysis", "fishbone", "people")) == (58, 5)


def test_missing_path_points_at_the_deepest_existing_value():
    document = load("a:\n  b: 1\n")
    assert document.position(("a", "c")) == (2, 3)


def test_timestamps_and_dates_stay_the_text_written():
    data = load("t: 2024-01-15T14:30:00+02:00\nd: 2024-01-15\nq: '2024-01-15'\n").data
    assert data == {
        "t": "2024-01-15T14:30:00+02:00",
        "d": "2024-01-15",
        "q": "2024-01-15",
    }


def test_scalars_follow_yaml_types():
    data = load("i: 12\nf: 0.5\nb: true\nn: ~\ns: '12'\nh: 0x10\n").data
    assert data == {"i": 12, "f": 0.5, "b": True, "n": None, "s": "12", "h": 16}


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("a: 1\nb: 2\na: 3\n", 3, "appears twice"),
        ("a: 1\n---\nb: 2\n", 2, "second YAML document"),
        ("- a\n- b\n", 1, "not a mapping"),
        ("just text\n", 1, "not a mapping"),
        ("", 1, "empty"),
        ("# only a comment\n", 1, "empty"),
        ("a: [1, 2\n", 2, "not valid YAML"),
        ("a: *nowhere\n", 1, "not valid YAML"),
        ("a: !!python/object:os.system x\n", 1, "not allowed"),
        ("a: !custom x\n", 1, "custom YAML tag"),
        ("base: &b {x: 1}\nc:\n  <<: *b\n", 3, "merge keys"),
        ("? [a, b]\n: 1\n", 1, "plain name"),
    ],
)
def test_malformed_documents_are_refused_at_their_line(text, line, words):
    with pytest.raises(LoadError) as caught:
        load(text)
    assert caught.value.line == line
    assert words in caught.value.message


def billion_laughs(levels: int = 9) -> bytes:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return ("\n".join(lines) + "\n").encode()


def finishes_quickly(action) -> LoadError:
    started = time.process_time()
    with pytest.raises(LoadError) as caught:
        action()
    # A bound on work, not a benchmark: hostile input must not run for minutes.
    assert time.process_time() - started < 5
    return caught.value


def test_alias_bomb_is_refused():
    error = finishes_quickly(lambda: load(billion_laughs()))
    assert "aliases" in error.message


@pytest.mark.parametrize("opening", ["[", "{", "- "])
def test_deep_nesting_is_refused_without_crashing(opening):
    closing = {"[": "]", "{": "}", "- ": ""}[opening]
    text = "a: " + opening * 200_000 + closing * 200_000
    error = finishes_quickly(lambda: load(text[: MAX_FILE_BYTES - 10]))
    assert "nests" in error.message or "not valid YAML" in error.message


def test_huge_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    error = finishes_quickly(lambda: load_file(path))
    assert "over the limit" in error.message


@pytest.mark.parametrize(
    ("raw", "line", "words"),
    [
        (b"title: ok\nother: caf\xe9\n", 2, "not valid UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", 1, "UTF-8"),
        (b"a: 1\nb: \x00\n", 2, "NUL"),
    ],
)
def test_binary_bytes_are_refused_with_their_line(raw, line, words):
    error = finishes_quickly(lambda: load(raw))
    assert error.line == line
    assert words in error.message


def test_byte_order_mark_is_accepted():
    assert load(b"\xef\xbb\xbfa: 1\n").data == {"a": 1}
