"""Deadline reminders: the parser on invented strings in every form the documents use, and
the bot end to end (emulator, controllable clock): one reminder per due task per day across
a restart, scoped to the user's communes, MẬT only for an admin in a private chat."""

from __future__ import annotations

import calendar
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot import reminders
from rag.assistant import Assistant
from rag.deadlines import DateRange, parse, reference_of
from tests import backends
from tests.bot_harness import ADMIN, run_bot
from tests.telegram_emulator import Emulator, Sent

ROMAN = ["I", "II", "III", "IV"]
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


def _plain(text: str) -> str:
    """As typed on a phone without diacritics."""
    from rag.text import fold

    return fold(text)


@given(days, st.sampled_from(["trước ngày {d}/{m}/{y}", "hoàn thành trước {d}/{m}/{y}", "chậm nhất ngày {d}/{m}/{y}"]))
def test_a_written_day_is_that_day(day: date, form: str) -> None:
    for text in (
        form.format(d=day.day, m=day.month, y=day.year),
        form.format(d=day.day, m=f"{day.month:02d}", y=day.year),
    ):
        assert parse(text) == DateRange(day, day)
        assert parse(_plain(text).upper()) == DateRange(day, day)


@given(days, st.integers(min_value=-40, max_value=300))
def test_a_day_without_year_takes_the_documents_year_or_the_next(day: date, before: int) -> None:
    reference = day - timedelta(days=before)  # the notice is dated `before` days earlier (or a little later)
    assume(before >= 0 or reference.year == day.year)  # a notice of January does not set a deadline in December past
    assume((day.month, day.day) != (2, 29) or reference.year != day.year - 1 or calendar.isleap(reference.year))
    found = parse(f"hoàn thành trước {day.day}/{day.month}", reference)
    assert found == DateRange(day, day)


@given(days)
def test_months_quarters_halves_and_years_cover_exactly_their_days(day: date) -> None:
    y, m = day.year, day.month
    last = calendar.monthrange(y, m)[1]
    month = DateRange(date(y, m, 1), date(y, m, last))
    assert parse(f"trong tháng {m:02d}/{y}") == month
    assert parse(f"tháng {m}/{y}") == month
    assert parse(f"thang {m} nam {y}") == month
    q = (m - 1) // 3 + 1
    quarter = parse(f"quý {ROMAN[q - 1]}/{y}")
    assert quarter is not None and quarter.start <= day <= quarter.end
    assert quarter == parse(f"trong quý {q} năm {y}") == parse(f"quy {ROMAN[q - 1].lower()}/{y}")
    assert (quarter.end - quarter.start).days in range(89, 92)
    assert parse(f"năm {y}") == parse(f"trong năm {y}") == DateRange(date(y, 1, 1), date(y, 12, 31))
    assert parse(f"6 tháng đầu năm {y}") == DateRange(date(y, 1, 1), date(y, 6, 30))
    assert parse(f"6 tháng cuối năm {y}") == DateRange(date(y, 7, 1), date(y, 12, 31))
    assert parse(f"9 tháng đầu năm {y}") == DateRange(date(y, 1, 1), date(y, 9, 30))
    assert parse(f"quý {ROMAN[q - 1]}", reference=date(y, 1, 1)) == quarter


@given(st.text(max_size=40))
def test_anything_else_is_no_date_or_a_valid_range(text: str) -> None:
    found = parse(text)
    assert found is None or found.start <= found.end


def test_forms_from_the_issue_and_the_documents() -> None:
    notice = date(2025, 9, 16)
    assert parse("trước ngày 20/12/2025") == DateRange(date(2025, 12, 20), date(2025, 12, 20))
    assert parse("trong tháng 01/2026") == DateRange(date(2026, 1, 1), date(2026, 1, 31))
    assert parse("quý I/2026") == DateRange(date(2026, 1, 1), date(2026, 3, 31))
    assert parse("hoàn thành trước 30/11", notice) == DateRange(date(2025, 11, 30), date(2025, 11, 30))
    assert parse("hoàn thành trước 30/11") is None  # no year anywhere: no date rather than a guess
    assert parse("trước ngày 10/1", date(2025, 12, 15)) == DateRange(date(2026, 1, 10), date(2026, 1, 10))
    assert parse("năm 2026") == DateRange(date(2026, 1, 1), date(2026, 12, 31))
    assert parse("tháng 10/2025") == DateRange(date(2025, 10, 1), date(2025, 10, 31))
    assert parse("nhiệm kỳ 2025-2030") == DateRange(date(2025, 1, 1), date(2030, 12, 31))
    assert parse("ngày 16 tháng 9 năm 2025") == DateRange(notice, notice)
    assert parse("trước ngày 31/2/2026") is None
    assert parse("1.173 đảng viên, đạt 55,8%") is None
    assert reference_of(None, "2025-09-16") == notice
    assert reference_of("quý III/2025") == date(2025, 7, 1)
    assert reference_of("2025-12") == date(2025, 12, 1)


# ------------------------------------------------------------------------ the bot

NOTICE = """ĐẢNG BỘ THÀNH PHỐ HẢI PHÒNG
ĐẢNG ỦY XÃ AN BÌNH
Số 41-TB/ĐU
An Bình, ngày 20 tháng 11 năm 2026

THÔNG BÁO
kết luận hội nghị giao ban tháng 11/2026

I. Đánh giá chung
Các cơ quan, đơn vị đã hoàn thành các nhiệm vụ tháng 11/2026.

II. Nhiệm vụ trọng tâm tháng 12/2026
1. Ban Xây dựng Đảng
- Hoàn thành hồ sơ kết nạp đảng viên mới trước ngày 5/12/2026.
- Tổng hợp kết quả đánh giá, xếp loại chất lượng tổ chức đảng trước ngày 25/11/2026.
- Chuẩn bị nội dung hội nghị tổng kết năm trước ngày 28/2/2027.
2. Hội Cựu chiến binh
- Tổ chức gặp mặt hội viên nhân ngày thành lập Quân đội nhân dân Việt Nam trước ngày 3/12.
"""
DUE_HERE = ["hồ sơ kết nạp đảng viên mới", "xếp loại chất lượng tổ chức đảng", "gặp mặt hội viên"]
ELSEWHERE = ["danh sách đảng viên miễn sinh hoạt", "thăm hỏi hội viên"]  # Bình Minh's
SECRET = ["vụ việc kiểm tra dấu hiệu vi phạm", "rà soát hội viên"]  # An Bình, marked MẬT
NOT_YET = "hội nghị tổng kết năm"
MEMBER = 5101
GROUP = -100555


def _documents(folder: Path) -> Path:
    folder.mkdir()
    (folder / "an-binh_2026-11_thong-bao.txt").write_text(NOTICE, encoding="utf-8")
    other = NOTICE.replace("AN BÌNH", "BÌNH MINH").replace("An Bình", "Bình Minh").replace("41-TB", "42-TB")
    other = other.replace("hồ sơ kết nạp đảng viên mới", ELSEWHERE[0]).replace("gặp mặt hội viên", ELSEWHERE[1])
    (folder / "binh-minh_2026-11_thong-bao.txt").write_text(other, encoding="utf-8")
    secret = "MẬT\n" + NOTICE.replace("41-TB", "43-TB").replace("hồ sơ kết nạp đảng viên mới", "báo cáo " + SECRET[0])
    secret = secret.replace("gặp mặt hội viên", SECRET[1]).replace("xếp loại chất lượng tổ chức đảng", "tự phê bình")
    (folder / "an-binh_2026-11_mat.txt").write_text(secret, encoding="utf-8")
    return folder


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    fake = Clock(datetime(2026, 12, 1, 1, 0, tzinfo=UTC))  # 8:00 on 1/12/2026 in Vietnam
    monkeypatch.setattr(reminders, "now", fake)
    monkeypatch.setattr(reminders, "INTERVAL", 0.2)
    yield fake


def _reminders(emulator: Emulator, chat: int, since: int = 0) -> list[Sent]:
    return [m for m in emulator.messages_to(chat)[since:] if "Nhắc việc ngày" in m.text]


def _count(messages: list[Sent], phrase: str) -> int:
    return sum(m.text.count(phrase) for m in messages)


def _quiet(emulator: Emulator, chats: list[int], seconds: float = 1.5) -> None:
    """Several checks of the job pass and nobody gets anything."""
    before = [len(emulator.messages_to(c)) for c in chats]
    time.sleep(seconds)
    assert [len(emulator.messages_to(c)) for c in chats] == before


def test_a_subscriber_gets_each_due_task_once_a_day_across_a_restart_within_their_scope(
    tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path, embedder, tmp_path: Path, clock: Clock
) -> None:
    data = tmp_path / "data"
    backends.copy(corpus_dir, data)
    ingesting = Assistant(backends.settings_for(data), embedder=embedder).start()
    assert not ingesting.ingest([_documents(tmp_path / "docs")]).failed
    ingesting.engine.dispose()

    with Emulator() as emulator:
        with run_bot(tmp_path_factory, corpus_dir, embedder, data=data, emulator=emulator) as first:
            first.approve(MEMBER, "An Bình")
            confirmed, reminder = first.ask_and_wait(MEMBER, "/nhacviec", count=2)
            assert "Đã đăng ký nhắc việc" in confirmed.text
            assert "Nhắc việc ngày 1/12/2026" in reminder.text
            for phrase in DUE_HERE:
                assert reminder.text.count(phrase) == 1, phrase
            for phrase in [*ELSEWHERE, *SECRET, NOT_YET]:
                assert phrase not in reminder.text, phrase
            # grouped by unit, each task cited, its deadline counted in days
            assert reminder.text.index("Ban Xây dựng Đảng") < reminder.text.index("Hội Cựu chiến binh")
            assert reminder.text.count("Thông báo số 41-TB/ĐU ngày 20/11/2026") == 3
            assert "quá hạn 6 ngày" in reminder.text and "còn 2 ngày" in reminder.text

            # the admin, privately, reads MẬT; a group the admin subscribes never does
            _, admin_reminder = first.ask_and_wait(ADMIN, "/nhacviec", count=2)
            assert all(p in admin_reminder.text for p in SECRET + ELSEWHERE + DUE_HERE)
            emulator.send_text(ADMIN, "/duyet", chat_id=GROUP, chat_type="group")
            emulator.wait_for_messages(GROUP, 1)
            emulator.send_text(ADMIN, "/nhacviec Hội CCB", chat_id=GROUP, chat_type="group")
            group_reminder = emulator.wait_for_messages(GROUP, 3)[2]
            assert "gặp mặt hội viên" in group_reminder.text and "thăm hỏi hội viên" in group_reminder.text
            assert not any(p in group_reminder.text for p in SECRET)
            assert "hồ sơ kết nạp" not in group_reminder.text  # the units asked for only
            _quiet(emulator, [MEMBER, ADMIN, GROUP])
            counts = {c: len(emulator.messages_to(c)) for c in (MEMBER, ADMIN, GROUP)}

        clock.moment = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # 6:30 on 2/12: not yet time
        with run_bot(tmp_path_factory, corpus_dir, embedder, data=data, emulator=emulator):
            _quiet(emulator, [MEMBER, ADMIN, GROUP])  # the restart repeats nothing of 1/12
            clock.moment = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # 8:00 on 2/12
            for chat in (MEMBER, ADMIN, GROUP):
                emulator.wait_for_messages(chat, counts[chat] + 1)
            _quiet(emulator, [MEMBER, ADMIN, GROUP])
            day_two = _reminders(emulator, MEMBER, counts[MEMBER])
            assert len(day_two) == 1 and "Nhắc việc ngày 2/12/2026" in day_two[0].text
            for phrase in DUE_HERE:
                assert _count(day_two, phrase) == 1, phrase
            assert not any(p in day_two[0].text for p in SECRET + ELSEWHERE)

            emulator.send_text(MEMBER, "/nhacviec tat")
            emulator.wait(lambda: any("Đã tắt nhắc việc" in m.text for m in emulator.messages_to(MEMBER)))
            clock.moment = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
            emulator.wait_for_messages(ADMIN, counts[ADMIN] + 2)
            _quiet(emulator, [MEMBER])
            assert not _reminders(emulator, MEMBER, counts[MEMBER] + 2)


def test_only_an_admin_subscribes_a_group_and_unknown_units_are_named(
    tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path, embedder, clock: Clock
) -> None:
    with run_bot(tmp_path_factory, corpus_dir, embedder) as bot:
        bot.approve(MEMBER)
        [unknown] = bot.ask_and_wait(MEMBER, "/nhacviec Ban Không Có")
        assert "Không nhận ra đơn vị «Ban Không Có»" in unknown.text
        [stopped] = bot.ask_and_wait(MEMBER, "/nhacviec tắt")
        assert stopped.text == "Bạn chưa đăng ký nhắc việc."
        bot.emulator.send_text(ADMIN, "/duyet", chat_id=GROUP, chat_type="group")
        bot.emulator.wait_for_messages(GROUP, 1)
        bot.emulator.send_text(MEMBER, "/nhacviec", chat_id=GROUP, chat_type="group")
        [refused] = bot.emulator.wait_for_messages(GROUP, 2)[1:]
        assert "Chỉ quản trị viên" in refused.text
