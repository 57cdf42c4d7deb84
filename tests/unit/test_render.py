"""Embeds show names from workbooks as plain text: their markdown and mentions stay inert."""

from __future__ import annotations

from datetime import date

from bot.domain.figures import Figures
from bot.domain.records import StrikePeriod, Trust, Turnout
from bot.domain.reports import LeagueRow, TurnoutLeague, TurnoutRow
from cogs.render import league_embed, turnout_embed

# A name as a workbook could spell it: markdown that would bold, strike out or ping.
NAME = "**Loud** ~~Trust~~ @everyone NHS Trust"
TRUST = Trust("RZZ", NAME, "London")


def test_a_league_shows_a_trust_name_as_written():
    text = league_embed([LeagueRow(1, TRUST, Figures(5, 7))], "Top").description
    assert "\\*\\*Loud\\*\\*" in text and "\\~\\~Trust\\~\\~" in text
    assert "@everyone" not in text and "**12**" in text  # the figure is still bold


def test_staff_absent_at_the_peak_shows_a_trust_name_as_written():
    day = date(2023, 9, 20)
    league = TurnoutLeague([TurnoutRow(1, TRUST, Turnout(((day, 40),)))], not_reported=0)
    period = StrikePeriod(1, date(2023, 9, 19), date(2023, 9, 23), "Consultants")
    text = turnout_embed(league, period, None, "Doctors", 10, None).description
    assert "\\*\\*Loud\\*\\*" in text and "@everyone" not in text and "**40**" in text
