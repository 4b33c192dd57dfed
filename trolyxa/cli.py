"""`trolyxa` command line: a thin interface over `rag.assistant.Assistant`.

Errors a user can cause print one Vietnamese line and exit non-zero; anything else is a
bug, logged with its trace to `<data dir>/trolyxa.log`, and reported in one line too.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.errors import NotFoundError, TroLyXaError
from rag.models import Answer, DocumentInfo
from rag.references import official_reference, vietnamese_date
from trolyxa import console, logs, lookups, output
from trolyxa.lookups import OPERATOR, _assistant

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
    output.vietnamese_argparse()
    parser = argparse.ArgumentParser(
        prog="trolyxa",
        description="Trợ lý Xã: hỏi đáp văn bản của Đảng ủy xã, luôn dẫn nguồn.",
        epilog="Xem hướng dẫn của từng lệnh: trolyxa <lệnh> --help",
        formatter_class=output.HelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="ghi nhật ký ra màn hình (stderr)")
    sub = parser.add_subparsers(dest="command", title="các lệnh", metavar="<lệnh>")

    def command(name: str, handler: Callable[..., int | None], help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text, formatter_class=output.HelpFormatter)
        p.set_defaults(handler=handler)
        return p

    def json_flag(p: argparse.ArgumentParser) -> None:
        p.add_argument("--json", action="store_true", help="in kết quả dạng JSON (cho chương trình khác)")

    commune = "chỉ xét tài liệu của một xã"
    p = command("ingest", _ingest, "thêm hoặc cập nhật tài liệu (tệp hoặc thư mục)")
    p.add_argument("paths", nargs="+", type=Path, metavar="TỆP", help="tệp .docx .pdf .txt .md hoặc thư mục")
    json_flag(p)

    p = command("ask", _ask, "đặt một câu hỏi")
    p.add_argument("question", nargs="?", metavar="CÂU_HỎI")
    p.add_argument("--commune", metavar="XÃ", help=commune)
    json_flag(p)
    p.add_argument("--batch", type=Path, metavar="TỆP", help="tệp câu hỏi, mỗi dòng một câu ('-': đọc từ stdin)")

    p = command("documents", _documents, "danh sách tài liệu đã lưu, với mã")
    json_flag(p)
    p = command("delete", _delete, "xóa một tài liệu theo mã")
    p.add_argument("doc_id", metavar="MÃ", help="mã tài liệu, hoặc 6 ký tự đầu trở lên")
    command("reindex", _reindex, "tạo lại vectơ và chỉ mục từ CSDL (sau khi đổi mô hình nhúng)")
    p = command("doctor", _doctor, "kiểm tra CSDL và Chroma có khớp nhau không")
    p.add_argument("--repair", action="store_true", help="sửa những gì tìm thấy")
    command("bot", _bot, "chạy bot Telegram (cần TELEGRAM_BOT_TOKEN)")
    p = command("export", _export, "sao lưu tài liệu và tri thức trích xuất ra tệp JSON-lines")
    p.add_argument("file", type=Path, metavar="TỆP")
    p = command("import", _import, "khôi phục từ tệp sao lưu của lệnh export")
    p.add_argument("file", type=Path, metavar="TỆP")
    p = command("chat", _chat, "trò chuyện trên màn hình (có lịch sử câu hỏi, phím mũi tên)")
    p.add_argument("--commune", metavar="XÃ", help=commune)
    p = command(
        "tasks", lookups.tasks, "nhiệm vụ của một đơn vị (tên nào cũng được, có dấu hay không dấu), hoặc sắp đến hạn"
    )
    p.add_argument("--unit", metavar="ĐƠN_VỊ", help="ví dụ: «Ban Xây dựng Đảng», «UBKT», «Hội CCB»")
    p.add_argument("--commune", metavar="XÃ", help=commune)
    p.add_argument("--period", metavar="KỲ", help="ví dụ: «tháng 10», «quý IV», «2026»")
    p.add_argument("--due", metavar="SỐ_NGÀY", help="nhiệm vụ đến hạn trong số ngày tới và đã quá hạn, ví dụ: 7d")
    json_flag(p)
    p = command("directive", lookups.directive, "các tài liệu nói gì về một văn bản, ví dụ 50-CT/TW")
    p.add_argument("number", metavar="SỐ_HIỆU")
    json_flag(p)
    p = command("units", lookups.units, "danh mục đơn vị, với tên gọi khác và số nhiệm vụ")
    p.add_argument("--commune", metavar="XÃ", help=commune)
    json_flag(p)
    p = command("figures", lookups.figures, "số liệu trong tài liệu: con số, đếm gì, kỳ, tài liệu")
    p.add_argument("--commune", metavar="XÃ", help=commune)
    json_flag(p)
    p = command("feedback", lookups.feedback, "góp ý 👍/👎 của người dùng bot và các câu trả lời bị chê gần nhất")
    p.add_argument("--latest", type=int, default=10, metavar="N", help="số câu bị chê gần nhất (mặc định 10)")
    json_flag(p)
    p = command("eval", _eval, "chấm điểm tìm kiếm và trả lời trên bộ câu hỏi đánh giá")
    p.add_argument("--questions", type=Path, default=None, metavar="TỆP", help="tệp câu hỏi JSONL")
    p.add_argument("--no-baseline", action="store_true", help="bỏ qua phương án đối chứng LangChain")
    p.add_argument("--extraction", action="store_true", help="chấm việc trích xuất nhiệm vụ, văn bản, số liệu")
    p.add_argument(
        "--real",
        nargs="?",
        const="",
        metavar="THƯ_MỤC",
        help="nạp văn bản thật (mặc định ../shared/realdocs/cong-hai) vào kho riêng rồi chấm điểm",
    )
    json_flag(p)
    return parser


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
        output.write_json(report.to_json())
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
        for _name, note in report.notes:
            print(f"Lưu ý: {note}")
        print(
            f"Tổng: thêm mới {len(report.added)}, không đổi {len(report.unchanged)}, "
            f"thay thế {len(report.replaced)}, lỗi {len(report.failed)}."
        )
    return 1 if report.failed and not (report.added or report.unchanged or report.replaced) else 0


def render_answer(answer: Answer, docs: dict[str, DocumentInfo] | None = None) -> str:
    """The answer, then its sources named as officials cite them (with `docs`: number, date, issuer)."""
    lines = [answer.answer]
    if answer.citations:
        lines.append("")
        lines.append("Nguồn:")
        seen: set[int] = set()
        for c in answer.citations:
            if c.n in seen:
                continue
            seen.add(c.n)
            commune = f" (xã {c.commune})" if c.commune else ""
            scan = " — bản quét, chữ nhận dạng tự động" if c.ocr else ""
            reference = official_reference((docs or {}).get(c.document_id), c.title, c.section)
            lines.append(f"[{c.n}] {reference}{commune}{scan}")
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
                output.write_json({"line": number, "error": error}, one_line=True)
                continue
            if not question:
                continue
            try:
                payload = assistant.ask(question, OPERATOR, commune=args.commune).to_json()
            except TroLyXaError as exc:
                payload = {"question": question, "error": str(exc)}
            output.write_json(payload, one_line=True)
        return 0
    if not args.question:
        raise TroLyXaError('Hãy nhập câu hỏi, ví dụ: trolyxa ask "Chỉ thị 50-CT/TW nói gì?"')
    answer = assistant.ask(args.question, OPERATOR, commune=args.commune)
    if args.json:
        return output.write_json(answer.to_json())
    print(render_answer(answer, {d.id: d for d in assistant.documents(OPERATOR)}))
    return 0


def _documents(args: argparse.Namespace, settings: Settings) -> int:
    docs = _assistant(settings).documents(OPERATOR)
    if args.json:
        return output.write_json(docs)
    if not docs:
        print("Chưa có tài liệu nào. Thêm tài liệu bằng: trolyxa ingest <tệp hoặc thư mục>")
    for d in docs:
        facts = [f"số {d.number}" if d.number else "chưa rõ số", vietnamese_date(d.date) or "chưa rõ ngày"]
        facts += [f"xã {d.commune or '?'}", f"{d.passages} đoạn"] + ([d.classification] if d.classification else [])
        print(output.wrap(f"{d.id}  {d.title}", indent=" " * 18))
        print(" " * 18 + " · ".join(facts))
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
    conversation = f"console:{os.getpid()}"  # follow-ups ("Còn Hội Nông dân thì sao?") within this session

    def answer(question: str) -> Iterator[str]:
        docs = {d.id: d for d in assistant.documents(OPERATOR)}
        asked = assistant.ask_stream(question, OPERATOR, commune=args.commune, conversation=conversation)
        for i, shown in enumerate(asked):
            yield ("\nMáy trả lời tự động viết lại:\n" if i else "") + render_answer(shown, docs)

    return console.converse(settings.data_dir, answer, empty=not assistant.documents(OPERATOR))


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
    if args.json:
        return output.write_json(report)
    print(report["table"])
    return 0


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    sys.exit(main())
