"""The translation catalogues: extracting the messages, updating and checking every language.

    python -m clinicapp.i18n.catalogues update   # extract, update every catalogue, compile
    python -m clinicapp.i18n.catalogues check    # list what a catalogue misses (exit 1)
    python -m clinicapp.i18n.catalogues init kk  # start a new language

Source strings are Russian, so the Russian catalogue maps each message to itself except
plural forms (Russian has three). Every other language is translated by hand in its
`messages.po`; `check` lists what a catalogue misses, and the test suite runs it.
"""
from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "clinicapp" / "translations"
MAPPING = TRANSLATIONS / "babel.cfg"
TEMPLATE = TRANSLATIONS / "messages.pot"
SOURCE_LANGUAGE = "ru"
# gettext, ngettext and `_` are Babel's defaults; these are the lazy forms we use.
KEYWORDS = ("_l", "lazy_gettext", "lazy_ngettext:1,2")


@dataclass(frozen=True)
class Gap:
    language: str
    message: str
    problem: str  # "missing", "untranslated", "fuzzy", "placeholders: …", "stale .mo"

    def __str__(self) -> str:
        return f"{self.language}: {self.problem}: {self.message!r}"


def languages() -> list[str]:
    """Every language with a catalogue on disk."""
    return sorted(p.name for p in TRANSLATIONS.iterdir() if (p / "LC_MESSAGES").is_dir())


def catalogue_path(language: str, suffix: str = "po") -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / f"messages.{suffix}"


def extract(target: Path = TEMPLATE) -> None:
    """Collect every translatable message of the code and templates into `target`."""
    arguments = ["pybabel", "-q", "extract", "-F", str(MAPPING), "-o", str(target),
                 "--no-location", "--sort-output", "--omit-header"]
    for keyword in KEYWORDS:
        arguments += ["-k", keyword]
    CommandLineInterface().run([*arguments, str(ROOT / "clinicapp"), str(ROOT / "templates")])


def _read(path: Path, language: str | None = None):
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def update() -> None:
    """Extract, then bring every catalogue in line: new messages added, gone ones dropped.

    The source language gets each message as its own translation; other languages keep
    their translations and get new messages untranslated (`check` lists them).
    """
    extract()
    template = _read(TEMPLATE)
    for language in languages():
        path = catalogue_path(language)
        catalogue = _read(path, language)
        catalogue.update(template, no_fuzzy_matching=True)
        catalogue.obsolete.clear()
        if language == SOURCE_LANGUAGE:
            _translate_to_itself(catalogue)
        with path.open("wb") as handle:
            write_po(handle, catalogue, omit_header=False, no_location=True, sort_output=True)


def _translate_to_itself(catalogue) -> None:
    for message in catalogue:
        if not message.id or message.pluralizable:
            continue  # plural forms of the source language are written by hand
        message.string = message.id
        message.flags.discard("fuzzy")


def compile_all() -> None:
    """Write the .mo file of every catalogue (what the running app reads)."""
    for language in languages():
        catalogue = _read(catalogue_path(language), language)
        with catalogue_path(language, "mo").open("wb") as handle:
            write_mo(handle, catalogue)


def gaps() -> list[Gap]:
    """What any catalogue misses against the code as it is now (extracted afresh)."""
    with tempfile.TemporaryDirectory() as folder:
        fresh = Path(folder) / "messages.pot"
        extract(fresh)
        wanted = [(m.id, m.context) for m in _read(fresh) if m.id]
    found: list[Gap] = []
    for language in languages():
        catalogue = _read(catalogue_path(language), language)
        for message_id, context in wanted:
            found += _message_gaps(language, catalogue, message_id, context)
        # A translation must keep the message's placeholders (%(name)s), or it fails at run time.
        for message, errors in catalogue.check():
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            found += [Gap(language, key, f"placeholders: {error}") for error in errors]
        if _compiled(catalogue) != _read_mo_bytes(language):
            found.append(Gap(language, "messages.mo", "stale .mo"))
    return found


def _message_gaps(language: str, catalogue, message_id, context=None) -> list[Gap]:
    key = message_id[0] if isinstance(message_id, tuple) else message_id
    message = catalogue.get(key, context=context)
    if message is None:
        return [Gap(language, key, "missing")]
    if message.fuzzy:
        return [Gap(language, key, "fuzzy")]
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    expected = catalogue.num_plurals if message.pluralizable else 1
    if len(strings) < expected or not all(strings):
        return [Gap(language, key, "untranslated")]
    return []


def _compiled(catalogue) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    return buffer.getvalue()


def _read_mo_bytes(language: str) -> bytes:
    path = catalogue_path(language, "mo")
    return path.read_bytes() if path.exists() else b""


def start(language: str) -> None:
    """An empty catalogue for a new language, with that language's plural rules."""
    path = catalogue_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, Catalog(locale=language, project="clinicapp", fuzzy=False))


@click.group()
def main():
    """Keep the catalogues in step with the code."""


@main.command("update")
def update_command():
    """Extract the messages, update every catalogue and compile it; list what is missing."""
    update()
    compile_all()
    _report()


@main.command("check")
def check_command():
    """Exit 1 when a catalogue misses a message, or a .mo is older than its .po."""
    if _report():
        raise SystemExit(1)


@main.command("init")
@click.argument("language")
def init_command(language: str):
    """Start the catalogue of a new LANGUAGE (e.g. kk); then run `update` and translate."""
    start(language)
    click.echo(f"Created {catalogue_path(language)}; list {language!r} in "
               "BABEL_SUPPORTED_LOCALES once it is translated.")


def _report() -> int:
    found = gaps()
    for gap in found:
        click.echo(str(gap))
    click.echo(f"{len(found)} gap(s) in {', '.join(languages())}")
    return len(found)


if __name__ == "__main__":
    main()
