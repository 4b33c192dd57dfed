"""`trolyxa` command line: a thin interface over `rag.assistant.Assistant`.

Errors a user can cause print one Vietnamese line and exit non-zero; anything else is a
bug, logged with its trace to `<data dir>/trolyxa.log`, and reported in one line too.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.errors import NotFoundError, TroLyXaError
from rag.models import Answer, cite_section
from rag.scope import Scope
from trolyxa import logs

# Whoever runs the CLI runs the installation: every commune, MẬT included.
OPERATOR = Scope.operator()

log = logging.getLogger("trolyxa")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    settings = Settings()
    logs.setup(settings, args.verbose)
    try:
        return int(args.handler(args, settings) or 0)
    except NotFoundError as exc:
        print(str(exc), file=sys.stderr)
        return 3
    except TroLyXaError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        return 0
    except Exception:
        log.exception("unexpected error")
        print(
            f"Đã xảy ra lỗi ngoài dự kiến. Chi tiết đã ghi vào {settings.data_dir / 'trolyxa.log'}; "
            "hãy gửi tệp này cho người quản trị.",
            file=sys.stderr,
        )
        return 70


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trolyxa", description="Trợ lý Xã: hỏi đáp văn bản của Đảng ủy xã.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log to stderr as well")
    sub = parser.add_subparsers(dest="command")

    def command(name: str, handler: Callable[..., int | None], help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.set_defaults(handler=handler)
        return p

    p = command("ingest", _ingest, "add or update documents (files or folders)")
    p.add_argument("paths", nargs="+", type=Path)
    p.add_argument("--json", action="store_true")

    p = command("ask", _ask, "ask a question")
    p.add_argument("question", nargs="?")
    p.add_argument("--commune", help="restrict to one commune")
    p.add_argument("--json", action="store_true")
    p.add_argument("--batch", type=Path, help="file with one question a line ('-' for stdin)")

    p = command("documents", _documents, "list documents")
    p.add_argument("--json", action="store_true")
    p = command("delete", _delete, "delete a document by id")
    p.add_argument("doc_id")
    command("reindex", _reindex, "rebuild vectors and the lexical index from SQL")
    p = command("doctor", _doctor, "check that SQL and Chroma agree; --repair fixes what it finds")
    p.add_argument("--repair", action="store_true")
    command("bot", _bot, "run the Telegram bot (TELEGRAM_BOT_TOKEN)")
    p = command("export", _export, "back up documents and their knowledge to a JSON-lines file")
    p.add_argument("file", type=Path)
    p = command("import", _import, "rebuild from a backup made by export")
    p.add_argument("file", type=Path)
    p = command("chat", _chat, "interactive console conversation")
    p.add_argument("--commune")
    p = command("tasks", _tasks, "tasks of a unit (any alias, with or without diacritics)")
    p.add_argument("--unit", required=True)
    p.add_argument("--commune")
    p.add_argument("--period", help='e.g. "tháng 10", "quý IV", "2026"')
    p.add_argument("--json", action="store_true")
    p = command("directive", _directive, "what the documents say of a directive, e.g. 50-CT/TW")
    p.add_argument("number")
    p.add_argument("--json", action="store_true")
    p = command("units", _units, "the unit registry")
    p.add_argument("--commune")
    p.add_argument("--json", action="store_true")
    p = command("figures", _figures, "figures found in the documents")
    p.add_argument("--commune")
    p.add_argument("--json", action="store_true")
    p = command("eval", _eval, "score retrieval and answers on the evaluation set")
    p.add_argument("--questions", type=Path, default=None)
    p.add_argument("--no-baseline", action="store_true", help="skip the LangChain baseline")
    p.add_argument("--extraction", action="store_true", help="score task, directive and figure extraction instead")
    p.add_argument(
        "--real",
        nargs="?",
        const="",
        metavar="FOLDER",
        help="ingest real documents (default ../shared/realdocs/cong-hai) into a store of their own and score them",
    )
    p.add_argument("--json", action="store_true")
    return parser


def _assistant(settings: Settings) -> Any:
    from rag.assistant import Assistant

    return Assistant(settings).start()


def _progress_bar() -> Callable[[str, int, int], None]:
    from tqdm import tqdm

    bar: dict[str, Any] = {}

    def update(name: str, done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, unit="tệp", file=sys.stderr, disable=total < 2 or None)
        bar["bar"].n = done
        bar["bar"].set_postfix_str(name[:40])
        bar["bar"].refresh()
        if done == total:
            bar["bar"].close()

    return update


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    report = _assistant(settings).ingest(args.paths, progress=_progress_bar())
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        for label, names in (
            ("Thêm mới", report.added),
            ("Không đổi", report.unchanged),
            ("Thay thế", report.replaced),
        ):
            for name in names:
                print(f"{label}: {name}")
        for _name, reason in report.failed:
            print(f"Lỗi: {reason}")
        print(
            f"Tổng: thêm mới {len(report.added)}, không đổi {len(report.unchanged)}, "
            f"thay thế {len(report.replaced)}, lỗi {len(report.failed)}."
        )
    return 1 if report.failed and not (report.added or report.unchanged or report.replaced) else 0


def _print_json(data: Any) -> int:
    print(json.dumps(data, ensure_ascii=False, indent=2))
    return 0


def render_answer(answer: Answer) -> str:
    lines = [answer.answer]
    if answer.citations:
        lines.append("")
        lines.append("Nguồn:")
        seen: set[int] = set()
        for c in answer.citations:
            if c.n in seen:
                continue
            seen.add(c.n)
            where = f", {cite_section(c.section)}" if c.section else ""
            commune = f" (xã {c.commune})" if c.commune else ""
            scan = " — bản quét, chữ nhận dạng tự động" if c.ocr else ""
            lines.append(f"[{c.n}] {c.title}{commune}{where}{scan}")
    if answer.note:
        lines.append(f"({answer.note})")
    return "\n".join(lines)


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    assistant = _assistant(settings)
    if args.batch:
        if str(args.batch) != "-" and not args.batch.is_file():
            raise TroLyXaError(f"Không tìm thấy tệp câu hỏi «{args.batch}».")
        # Bytes, decoded line by line: one line in another encoding is that line's error only.
        stream = sys.stdin.buffer if str(args.batch) == "-" else args.batch.open("rb")
        for number, raw in enumerate(stream, start=1):
            try:
                question = raw.decode("utf-8-sig" if number == 1 else "utf-8").strip()
            except UnicodeDecodeError:
                error = f"Dòng {number} không phải chữ UTF-8; hãy lưu tệp câu hỏi dạng UTF-8 rồi chạy lại."
                print(json.dumps({"line": number, "error": error}, ensure_ascii=False), flush=True)
                continue
            if not question:
                continue
            try:
                payload = assistant.ask(question, OPERATOR, commune=args.commune).to_json()
            except TroLyXaError as exc:
                payload = {"question": question, "error": str(exc)}
            print(json.dumps(payload, ensure_ascii=False), flush=True)
        return 0
    if not args.question:
        raise TroLyXaError('Hãy nhập câu hỏi, ví dụ: trolyxa ask "Chỉ thị 50-CT/TW nói gì?"')
    answer = assistant.ask(args.question, OPERATOR, commune=args.commune)
    print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2) if args.json else render_answer(answer))
    return 0


def _documents(args: argparse.Namespace, settings: Settings) -> int:
    docs = _assistant(settings).documents(OPERATOR)
    if args.json:
        return _print_json([d.__dict__ for d in docs])
    if not docs:
        print("Chưa có tài liệu nào. Thêm tài liệu bằng: trolyxa ingest <tệp hoặc thư mục>")
    for d in docs:
        print(f"{d.id}  {d.title[:70]}  | xã {d.commune or '?'} | {d.date or '?'} | {d.passages} đoạn")
    return 0


def _delete(args: argparse.Namespace, settings: Settings) -> int:
    info = _assistant(settings).delete(args.doc_id)
    print(f"Đã xóa: {info.title} ({info.id})")
    return 0


def _reindex(args: argparse.Namespace, settings: Settings) -> int:
    count = _assistant(settings).reindex(progress=_progress_bar())
    print(f"Đã tạo lại vectơ cho {count} đoạn.")
    return 0


def _doctor(args: argparse.Namespace, settings: Settings) -> int:
    report = _assistant(settings).doctor(repair=args.repair)
    print(f"Lược đồ CSDL: {report['schema']}. Tài liệu: {report['documents']}, vectơ: {report['vectors']}.")
    for problem in report["problems"]:
        print(f"Vấn đề: {problem}")
    if report["fixed"]:
        print(f"Đã sửa: {', '.join(report['fixed'])}")
    if not report["problems"]:
        print("Kho dữ liệu nhất quán.")
    return 1 if report["problems"] and not args.repair else 0


def _export(args: argparse.Namespace, settings: Settings) -> int:
    count = _assistant(settings).export(args.file, OPERATOR)
    print(f"Đã sao lưu {count} tài liệu vào {args.file}.")
    return 0


def _import(args: argparse.Namespace, settings: Settings) -> int:
    if not args.file.is_file():
        raise TroLyXaError(f"Không tìm thấy tệp sao lưu «{args.file}».")
    report = _assistant(settings).import_from(args.file)
    for _name, reason in report.failed:
        print(f"Lỗi: {reason}")
    print(
        f"Khôi phục: thêm mới {len(report.added)}, không đổi {len(report.unchanged)}, "
        f"thay thế {len(report.replaced)}, lỗi {len(report.failed)}."
    )
    return 1 if report.failed and not (report.added or report.unchanged or report.replaced) else 0


def _bot(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import run

    run(settings, _assistant(settings))
    return 0


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    assistant = _assistant(settings)
    if not assistant.documents(OPERATOR):
        print("Chưa có tài liệu nào. Thêm tài liệu bằng: trolyxa ingest corpus/")
    print("Trợ lý Xã — gõ câu hỏi rồi Enter; gõ «thoát» hoặc Ctrl+D để kết thúc.")
    conversation = f"console:{os.getpid()}"  # follow-ups ("Còn Hội Nông dân thì sao?") within this session
    while True:
        try:
            question = input("\nBạn hỏi: ").strip()
        except EOFError:
            print()
            return 0
        if question.lower() in {"thoát", "thoat", "exit", "quit"}:
            return 0
        if not question:
            continue
        try:
            print(render_answer(assistant.ask(question, OPERATOR, commune=args.commune, conversation=conversation)))
        except TroLyXaError as exc:
            print(str(exc))


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    if args.real is not None:
        from rag.evaluation.realdocs import FOLDER, QUESTIONS, run_real_evaluation

        folder = Path(args.real) if args.real else FOLDER
        if not folder.is_dir():
            print(f"Không thấy thư mục văn bản thật «{folder}»: bỏ qua đánh giá trên văn bản thật.")
            return 0
        report = run_real_evaluation(settings, folder, args.questions or QUESTIONS)
    elif args.extraction:
        from rag.evaluation.extraction import run_extraction_evaluation

        report = run_extraction_evaluation(_assistant(settings))
    else:
        from rag.evaluation.questions import run_evaluation

        report = run_evaluation(_assistant(settings), args.questions, baseline=not args.no_baseline)
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else report["table"])
    return 0


def _tasks(args: argparse.Namespace, settings: Settings) -> int:
    unit, tasks = _assistant(settings).tasks(args.unit, OPERATOR, commune=args.commune, period=args.period)
    if args.json:
        print(json.dumps({"unit": unit, "tasks": [t.to_json() for t in tasks]}, ensure_ascii=False, indent=2))
        return 0
    if not tasks:
        print(
            f"Không có nhiệm vụ nào của {unit} trong các tài liệu hiện có"
            + (" với bộ lọc đã chọn." if args.commune or args.period else ".")
        )
        return 0
    group = None
    for t in tasks:
        if (t.commune, t.period) != group:
            group = (t.commune, t.period)
            print(f"\n{unit} — {t.period or 'không ghi kỳ'} (xã {t.commune or '?'}):")
        role = f" ({t.role})" if t.role else ""
        print(f"- {t.text}{role}\n    [{t.title}, {cite_section(t.section)}]")
    return 0


def _directive(args: argparse.Namespace, settings: Settings) -> int:
    card = _assistant(settings).directive(args.number, OPERATOR)
    if args.json:
        return _print_json(card.to_json())
    date = f", ngày {card.date}" if card.date else ""
    issuer = f" của {card.issuer}" if card.issuer else ""
    print(f"{card.kind} số {card.code}{date}{issuer}")
    if card.subject:
        print(f"Về: {card.subject}")
    print(f"\nĐược nhắc {len(card.mentions)} lần:")
    for m in card.mentions:
        print(f"- «{m.quote}»\n    [{m.title} (xã {m.commune or '?'}), {cite_section(m.section)}]")
    return 0


def _units(args: argparse.Namespace, settings: Settings) -> int:
    units = _assistant(settings).units_list(OPERATOR, args.commune)
    if args.json:
        return _print_json([u.__dict__ for u in units])
    for u in units:
        aliases = f" (còn gọi: {', '.join(u.aliases)})" if u.aliases else ""
        print(f"{u.name}{aliases} — {u.tasks} nhiệm vụ")
    return 0


def _figures(args: argparse.Namespace, settings: Settings) -> int:
    figures = _assistant(settings).figures(OPERATOR, args.commune)
    if args.json:
        return _print_json([f.__dict__ for f in figures])
    for f in figures:
        value = f"{f.value:g}/{f.total:g}" if f.total else f"{f.value:g}"
        print(f"{value} {f.unit} — {f.label} [{f.title[:50]}, xã {f.commune or '?'}, {cite_section(f.section)}]")
    return 0


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    sys.exit(main())
