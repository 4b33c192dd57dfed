"""The command line's look-ups, written for a person to read (numbers and dates as Vietnamese
write them, whole words, wrapped) or, with --json, for a program (see trolyxa.output)."""

from __future__ import annotations

import argparse
import re
from datetime import date
from typing import Any

from rag.config import Settings
from rag.errors import TroLyXaError
from rag.models import DocumentInfo
from rag.references import official_reference, vietnamese_date
from rag.scope import Scope
from trolyxa import output

# Whoever runs the CLI runs the installation: every commune, MẬT included.
OPERATOR = Scope.operator()


def _assistant(settings: Settings) -> Any:
    from rag.assistant import Assistant

    return Assistant(settings).start()


def _source(docs: dict[str, DocumentInfo], document_id: str, title: str, commune: str | None, section: str) -> str:
    """Where a line comes from, as an official cites it, with the commune when that does not say it."""
    reference = official_reference(docs.get(document_id), title, section)
    where = f" (xã {commune})" if commune and commune not in reference else ""
    return output.wrap(f"    [{reference}{where}]", indent="     ")


def _documents(assistant: Any) -> dict[str, DocumentInfo]:
    return {d.id: d for d in assistant.documents(OPERATOR)}


def tasks(args: argparse.Namespace, settings: Settings) -> int:
    if args.due is not None:
        return due(args, settings)
    if not args.unit:
        raise TroLyXaError("Hãy ghi đơn vị (--unit «Ban Xây dựng Đảng») hoặc hỏi việc sắp đến hạn (--due 7d).")
    assistant = _assistant(settings)
    unit, tasks = assistant.tasks(args.unit, OPERATOR, commune=args.commune, period=args.period)
    if args.json:
        return output.write_json({"unit": unit, "tasks": [t.to_json() for t in tasks]})
    if not tasks:
        print(
            f"Không có nhiệm vụ nào của {unit} trong các tài liệu hiện có"
            + (" với bộ lọc đã chọn." if args.commune or args.period else ".")
        )
        return 0
    docs = _documents(assistant)
    group = None
    for t in tasks:
        if (t.commune, t.period) != group:
            group = (t.commune, t.period)
            print(f"\n{unit} — {t.period or 'không ghi kỳ'} (xã {t.commune or '?'}):")
        role = f" ({t.role})" if t.role else ""
        deadline = f" — hạn: {t.deadline}" if t.deadline else ""
        print(output.wrap(f"- {t.text}{role}{deadline}", indent="  "))
        print(_source(docs, t.document_id, t.title, None, t.section))
    return 0


def due(args: argparse.Namespace, settings: Settings) -> int:
    from rag.deadlines import Window

    found = re.fullmatch(r"\s*(\d{1,3})\s*(?:d|ngày|ngay)?\s*", args.due)
    if not found:
        raise TroLyXaError(f"Không hiểu số ngày «{args.due}»; ví dụ: --due 7d (7 ngày tới).")
    assistant = _assistant(settings)
    units = (assistant.tasks(args.unit, OPERATOR)[0],) if args.unit else ()
    scope = assistant.scope_for([args.commune], True) if args.commune else OPERATOR  # one commune: its scope
    today = date.today()
    due = assistant.due_tasks(scope, Window(today, int(found[1]), units=units))
    if args.json:
        rows = [{**d.task.to_json(), "due_start": d.due.start, "due_end": d.due.end} for d in due]
        return output.write_json({"today": today, "days": int(found[1]), "tasks": rows})
    if not due:
        print(f"Không có nhiệm vụ nào đến hạn trong {found[1]} ngày tới hoặc đã quá hạn.")
        return 0
    docs = _documents(assistant)
    print(f"Ngày {vietnamese_date(today)}: {len(due)} nhiệm vụ đến hạn trong {found[1]} ngày tới hoặc đã quá hạn.")
    for unit in dict.fromkeys(d.task.unit for d in due):
        print(f"\n{unit}:")
        for d in (d for d in due if d.task.unit == unit):
            left = d.days_left(today)
            when = f"quá hạn {-left} ngày" if left < 0 else "hôm nay" if left == 0 else f"còn {left} ngày"
            written = f"hết {d.written}" if d.from_period else d.written
            t = d.task
            print(output.wrap(f"- {t.text} — hạn: {written} ({when}, {vietnamese_date(d.due.end)})", indent="  "))
            print(_source(docs, t.document_id, t.title, t.commune, t.section))
    return 0


def directive(args: argparse.Namespace, settings: Settings) -> int:
    assistant = _assistant(settings)
    card = assistant.directive(args.number, OPERATOR)
    if args.json:
        return output.write_json(card.to_json())
    date_text = f", ngày {vietnamese_date(card.date)}" if card.date else ""
    issuer = f" của {card.issuer}" if card.issuer else ""
    print(output.wrap(f"{card.kind} số {card.code}{date_text}{issuer}"))
    if card.subject:
        print(output.wrap(f"Về: {card.subject}"))
    docs = _documents(assistant)
    print(f"\nĐược nhắc {len(card.mentions)} lần:")
    for m in card.mentions:
        print(output.wrap(f"- «{m.quote}»", indent="  "))
        print(_source(docs, m.document_id, m.title, m.commune, m.section))
    return 0


def units(args: argparse.Namespace, settings: Settings) -> int:
    units = _assistant(settings).units_list(OPERATOR, args.commune)
    if args.json:
        return output.write_json(units)
    for u in units:
        aliases = f" (còn gọi: {', '.join(u.aliases)})" if u.aliases else ""
        print(output.wrap(f"{u.name}{aliases} — {u.tasks} nhiệm vụ", indent="  "))
    return 0


def figures(args: argparse.Namespace, settings: Settings) -> int:
    assistant = _assistant(settings)
    figures = assistant.figures(OPERATOR, args.commune)
    if args.json:
        return output.write_json(figures)
    docs = _documents(assistant)
    for f in figures:
        value = output.figure(f.value, f.total, f.unit)
        context = output.words_around(f.quote, output.number(f.value))
        period = f" — {f.period}" if f.period else ""
        print(output.wrap(f"{value}{period}: {context}", indent="    "))
        print(_source(docs, f.document_id, f.title, f.commune, f.section))
    return 0


def feedback(args: argparse.Namespace, settings: Settings) -> int:
    from bot import feedback, records
    from rag.store.database import make_engine, make_sessions

    engine = make_engine(settings.sql_url)
    records.upgrade(engine, settings.data_dir)  # the bot's tables, also where the bot never ran
    report = feedback.summary(make_sessions(engine), args.latest)
    if args.json:
        return output.write_json(report)
    print(f"Góp ý của người dùng: 👍 {report['up']} · 👎 {report['down']}")
    for item in report["latest_down"]:
        print(f"\n👎 {feedback.vietnamese_time(item['at'])}, người dùng {item['user_id']}")
        print(output.wrap(f"Hỏi: {item['question']}", indent="     "))
        print(output.wrap(f"Đáp: {item['answer']}", indent="     "))
        for source in item["sources"]:
            print(output.wrap(f"  {feedback.source_line(source)}", indent="      "))
    if not report["latest_down"]:
        print("Chưa có câu trả lời nào bị chê.")
    return 0
