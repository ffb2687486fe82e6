"""The product speaks Simplified Chinese: every zh_Hans catalogue is complete, and the admin field
teams use renders in Chinese for `Accept-Language: zh-hans` (and still in English for `en`)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.stores.factories import StoreFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
PO_FILES = sorted(
    p for p in ROOT.glob("*/locale/zh_Hans/LC_MESSAGES/django.po") if ".venv" not in p.parts
)


@dataclass
class PoEntry:
    msgid: str = ""
    msgid_plural: str = ""
    msgstr: list[str] = field(default_factory=list)
    fuzzy: bool = False


def parse_po(path: Path) -> list[PoEntry]:
    """The entries of a .po file (header and obsolete `#~` entries left out)."""
    entries: list[PoEntry] = []
    current: PoEntry | None = None
    target: tuple[str, int] | None = None  # ("msgid" | "msgid_plural" | "msgstr", index)

    def append(kind: str, index: int, text: str) -> None:
        assert current is not None
        value = ast.literal_eval(text)
        if kind == "msgstr":
            while len(current.msgstr) <= index:
                current.msgstr.append("")
            current.msgstr[index] += value
        else:
            setattr(current, kind, getattr(current, kind) + value)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#"):
            if line.startswith("#,") and "fuzzy" in line:
                if current is not None and target is not None and target[0] == "msgstr":
                    entries.append(current)
                    current, target = None, None
                current = current or PoEntry()
                current.fuzzy = True
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            assert target is not None, f"{path}: continuation without a keyword: {raw}"
            append(target[0], target[1], line)
            continue
        if keyword == "msgctxt" or keyword == "msgid":
            if current is not None and target is not None and target[0] == "msgstr":
                entries.append(current)
                current = None
            current = current or PoEntry()
            if keyword == "msgctxt":
                target = None
                continue
            target = ("msgid", 0)
        elif keyword == "msgid_plural":
            target = ("msgid_plural", 0)
        elif keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            target = ("msgstr", index)
        else:
            raise AssertionError(f"{path}: unexpected line: {raw}")
        append(target[0], target[1], rest)
    if current is not None:
        entries.append(current)
    return [e for e in entries if e.msgid]


def test_every_app_has_a_zh_hans_catalogue() -> None:
    apps = {p.relative_to(ROOT).parts[0] for p in PO_FILES}
    assert apps == {"catalog", "lst", "recommendations", "replenishment", "shoppers", "stores"}


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: p.relative_to(ROOT).parts[0])
def test_zh_hans_catalogue_is_complete(po: Path) -> None:
    entries = parse_po(po)
    assert len(entries) > 5
    missing = [e.msgid for e in entries if not e.msgstr or not all(e.msgstr)]
    assert not missing, f"{po}: {len(missing)} untranslated: {missing[:10]}"
    fuzzy = [e.msgid for e in entries if e.fuzzy]
    assert not fuzzy, f"{po}: fuzzy entries: {fuzzy[:10]}"
    compiled = po.with_suffix(".mo")
    assert compiled.exists(), f"{compiled} is missing: run compilemessages"


def test_parse_po_reads_plurals_and_continuations(tmp_path: Path) -> None:
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n\n'
        '#, python-format\nmsgid "one %(n)d"\nmsgid_plural "many %(n)d"\nmsgstr[0] "%(n)d 个"\n\n'
        'msgid ""\n"long "\n"text"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "guess"\nmsgstr "猜"\n\n#~ msgid "old"\n#~ msgstr ""\n',
        encoding="utf-8",
    )
    entries = parse_po(po)
    assert [(e.msgid, e.msgid_plural, e.msgstr, e.fuzzy) for e in entries] == [
        ("one %(n)d", "many %(n)d", ["%(n)d 个"], False),
        ("long text", "", [""], False),
        ("guess", "", ["猜"], True),
    ]


@pytest.fixture
def root_client(client, db):  # type: ignore[no-untyped-def]
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    StoreFactory(code="zh-store", name="测试便利店")
    return client


def test_admin_index_speaks_chinese(root_client) -> None:  # type: ignore[no-untyped-def]
    page = root_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for text in ("门店", "补货", "商品目录", "补货订单", "片区", "补货建议", "陈列方案"):
        assert text in page, text
    assert "Replenishment orders" not in page


def test_store_changelist_speaks_chinese(root_client) -> None:  # type: ignore[no-untyped-def]
    page = root_client.get("/admin/stores/store/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    html = page.content.decode()
    for text in ("签约新门店", "片区概览", "签约清单", "看板", "测试便利店"):
        assert text in html, text
    assert "Onboard a store" not in html


def test_store_changelist_still_speaks_english(root_client) -> None:  # type: ignore[no-untyped-def]
    html = root_client.get("/admin/stores/store/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Onboard a store" in html
    assert "Territory overview" in html
    assert "签约新门店" not in html
