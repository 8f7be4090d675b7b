"""Money: amounts read the way CRMs export them, and said for people everywhere."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from drafter.context import Channel, Sender
from drafter.draft.templates import render_offline
from drafter.money import ISO_4217, format_amount, parse_amount, parse_currency
from drafter.playbook import Playbook
from drafter.settings import load_settings
from tests.cli_helpers import run_cli
from tests.conftest import TODAY, make_context

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "playbook" / "templates"


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("2400000", 2_400_000, None),
        ("2400000 USD", 2_400_000, "USD"),
        ("USD 2,400,000", 2_400_000, "USD"),
        ("usd2400000", 2_400_000, "USD"),
        ("$2,400,000", 2_400_000, None),  # "$" alone does not say which dollar
        ("$2,400,000 USD", 2_400_000, "USD"),
        ("US$2.4M", 2_400_000, "USD"),
        ("2.4M", 2_400_000, None),
        ("2.4 million EUR", 2_400_000, "EUR"),
        ("€2,5 Mio", 2_500_000, "EUR"),
        ("2.4M€", 2_400_000, "EUR"),
        ("£250k", 250_000, "GBP"),
        ("2 400 000 EUR", 2_400_000, "EUR"),
        ("CHF 1'200'000", 1_200_000, "CHF"),
        ("2.400.000", 2_400_000, None),
        ("2,400", 2_400, None),
        ("1,234.56", 1_234.56, None),
        ("1.234,56 EUR", 1_234.56, "EUR"),
        ("2,400,000.00 USD", 2_400_000, "USD"),
        ("1.2 bn", 1_200_000_000, None),
        ("2.4 MMK", 2.4, "MMK"),  # Myanmar kyat, not "MM" (million) + "K"
        ("  950  ", 950, None),
        ("¥300,000", 300_000, None),
        ("2.4mm", 2_400_000, None),
        ("2'400'000", 2_400_000, None),
    ],
)
def test_parse_amount_reads_crm_exports(text: str, value: float, currency: str | None) -> None:
    assert parse_amount(text) == (pytest.approx(value), currency)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "blank"),
        ("lots", "not an amount"),
        ("-5", "negative"),
        ("2.4 zillion", "not an amount"),
        ("XYZ 100", "not an ISO 4217"),
        ("USD 5 EUR", "two currencies"),
        ("24,00,000", "cannot read the number"),
        ("1.2.3", "cannot read the number"),
    ],
)
def test_parse_amount_refuses_what_it_cannot_read(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_amount(text)


@pytest.mark.parametrize(
    ("value", "currency", "said"),
    [
        (2_400_000, "USD", "USD 2.4 million"),
        (2_400_000, None, "2.4 million"),
        (1_000_000, None, "1 million"),
        (1_234_567, "EUR", "EUR 1.23 million"),
        (999_999_999, None, "1 billion"),
        (1_250_000_000, "GBP", "GBP 1.25 billion"),
        (240_000, "USD", "USD 240,000"),
        (2_400, None, "2,400"),
        (950, "JPY", "JPY 950"),
        (12.5, None, "12.50"),
        (0, None, "0"),
    ],
)
def test_format_amount_for_people(value: float, currency: str | None, said: str) -> None:
    assert format_amount(value, currency) == said


def test_currency_codes_are_iso_4217() -> None:
    assert parse_currency(" eur ") == "EUR"
    assert {"USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "INR"} <= ISO_4217
    assert all(re.fullmatch(r"[A-Z]{3}", code) for code in ISO_4217)
    for bad in ("XXX", "US", "DOLLARS", "ZZZ"):
        with pytest.raises(ValueError, match="ISO 4217"):
            parse_currency(bad)


def test_deal_value_as_text_gives_its_currency() -> None:
    deal = make_context(deal={"value": "2,400,000 USD"}).deal
    assert (deal.value, deal.currency) == (2_400_000, "USD")
    assert make_context(deal={"value": "$2.4M", "currency": "cad"}).deal.currency == "CAD"
    with pytest.raises(ValueError, match="in USD but currency says EUR"):
        make_context(deal={"value": "2400000 USD", "currency": "EUR"})


def test_default_currency_from_config_and_env(tmp_path: Path) -> None:
    (tmp_path / "drafter.toml").write_text('currency = "eur"\n')
    assert load_settings(env={}, cwd=tmp_path).currency == "EUR"
    assert load_settings(env={"DRAFTER_CURRENCY": "GBP"}, cwd=tmp_path).currency == "GBP"
    ctx = make_context(deal={"value": 2_400_000})
    assert ctx.with_default_currency("EUR").deal.currency == "EUR"
    mine = make_context(deal={"value": 2_400_000, "currency": "USD"})
    assert mine.with_default_currency("EUR").deal.currency == "USD"


def _templates_using_the_value() -> list[tuple[str, Channel]]:
    found = []
    for path in sorted(TEMPLATES.glob("*/*.j2")):
        if "deal.value" in path.read_text():
            found.append((path.parent.name, Channel(path.stem)))
    return found


USING_VALUE = _templates_using_the_value()


def test_some_template_uses_the_deal_value() -> None:
    assert ("in_person_visit", Channel.meeting) in USING_VALUE


@pytest.mark.parametrize(("technique", "channel"), USING_VALUE)
@pytest.mark.parametrize(
    ("deal", "said"),
    [
        ({"value": 2_400_000, "currency": "USD"}, "USD 2.4 million"),
        ({"value": 2_400_000}, "2.4 million"),
        ({"value": "EUR 1,250,000"}, "EUR 1.25 million"),
        ({"value": 85_000, "currency": "GBP"}, "GBP 85,000"),
    ],
)
def test_amounts_render_in_every_template_that_uses_them(
    technique: str, channel: Channel, deal: dict[str, object], said: str
) -> None:
    ctx = make_context(stage="proposal", deal=deal)
    _, body = render_offline(
        ctx, technique, channel, sender=Sender(), send_on=TODAY, templates_dir=TEMPLATES
    )
    assert said in body
    assert not re.search(r"\d{4,}", body.replace(said, "")), body  # no raw 2400000


def test_plan_says_the_amount_in_its_currency(
    playbook: Playbook, capsys: pytest.CaptureFixture[str]
) -> None:
    example = str(ROOT / "examples" / "in_person_visit.yaml")
    result = run_cli(capsys, "plan", example)
    assert "deal value: USD 2.4 million" in " ".join(result.out.split())
    record = json.loads(run_cli(capsys, "plan", example, "--json").out)
    assert record["facts"]["value"] == 2_400_000 and record["facts"]["currency"] == "USD"
    line = next(c for g in playbook.get("in_person_visit").when for c in g.all if c.fact == "value")
    assert line.wanted() == "at least 1 million"  # the seven-figure line, said the same way


def test_bad_currency_in_a_context_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ctx = tmp_path / "ctx.yaml"
    text = (ROOT / "examples" / "in_person_visit.yaml").read_text()
    ctx.write_text(text.replace("currency: USD", "currency: dollars"))
    result = run_cli(capsys, "plan", str(ctx))
    assert result.code == 2 and "deal.currency" in result.err
    assert "ISO 4217" in result.err and len(result.err.strip().splitlines()) == 1
    assert result.err.count("dollars") == 1  # named once


def test_batch_rows_take_the_configured_currency() -> None:
    import datetime as dt

    from drafter.batch.rows import DraftConfig, RowDrafter
    from drafter.settings import Settings

    header = ("name", "company", "stage", "value", "currency")
    drafter = RowDrafter(
        DraftConfig(
            settings=Settings(currency="EUR"),
            header=header,
            today=dt.date(2026, 11, 23),
            fmt="jsonl",
        )
    )
    plain = drafter.read(["Ann Lee", "Acme", "engaged", "2,400,000", ""]).ctx.deal
    assert (plain.value, plain.currency) == (2_400_000, "EUR")
    named = drafter.read(["Ann Lee", "Acme", "engaged", "2400000 USD", ""]).ctx.deal
    assert named.currency == "USD"
    column = drafter.read(["Ann Lee", "Acme", "engaged", "$2.4M", "cad"]).ctx.deal
    assert (column.value, column.currency) == (2_400_000, "CAD")
