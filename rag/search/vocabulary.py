"""Domain vocabulary: abbreviations and synonyms, as groups of folded phrases.

Every phrase of a group, found in a document or a question, adds the group's concept term,
so "UBKT" in a question matches "Ủy ban Kiểm tra" in a report and "qua đời" matches
"từ trần". Applied identically at ingest and at query time.

`EQUIVALENT` groups name one thing (an abbreviation and its expansion): a question searches
them by concept only, so "Hội CCB" and "Hội Cựu chiến binh" retrieve alike. The other groups
are related topics: a question searches its own words and the concept.
"""

from __future__ import annotations

from rag.text import fold

GROUPS: dict[str, tuple[str, ...]] = {
    "ubkt": ("ubkt", "uy ban kiem tra", "ubktdu", "ubkt du", "ubkt dang uy"),
    "mttq": ("mttq", "mat tran to quoc", "mat tran"),
    "bch": ("bch", "ban chap hanh"),
    # "BCH QS" is the commune's military command, not its Party executive committee.
    "bchqs": ("bch qs", "bchqs", "ban chqs", "chqs", "ban chi huy quan su"),
    "baocao": ("bc", "bao cao"),
    "btv": ("btv", "ban thuong vu"),
    "vpdu": ("vpdu", "van phong dang uy"),
    "hdnd": ("hdnd", "hoi dong nhan dan"),
    "ubnd": ("ubnd", "uy ban nhan dan"),
    "ccb": ("ccb", "cuu chien binh"),
    "phunu": ("hoi phu nu", "lhpn", "lien hiep phu nu", "phu nu"),
    "doantn": ("doan thanh nien", "doan tncs", "tncs", "thanh nien"),
    "ctxh": ("ctxh", "chinh tri xa hoi", "chinh tri - xa hoi"),
    "tnnd": ("tnnd", "thieu nien nhi dong", "thieu nhi"),
    "cbcc": ("cbcc", "can bo cong chuc", "can bo, cong chuc"),
    "cntt": ("cntt", "cong nghe thong tin"),
    "llct": ("llct", "ly luan chinh tri"),
    "ktxh": ("kt xh", "kinh te xa hoi", "kinh te - xa hoi"),
    "antt": ("antt", "an ninh trat tu", "trat tu an toan xa hoi"),
    "tthc": ("tthc", "thu tuc hanh chinh"),
    "nghidinh": ("nd", "nghi dinh"),
    "chithi": ("chi thi", "ct"),
    "nghiquyet": ("nghi quyet", "nq"),
    "ketluan": ("ket luan", "kl"),
    "quyetdinh": ("quyet dinh", "qd"),
    "congvan": ("cong van", "cv"),
    "dongchi": ("dong chi", "d c"),
    "tutran": ("tu tran", "qua doi", "mat di", "hy sinh"),
    "ketnap": ("ket nap", "phat trien dang vien", "dang vien moi", "vao dang"),
    "sapnhap": ("sap nhap", "sat nhap", "hop nhat", "sap xep don vi hanh chinh"),
    "quy1": ("quy i", "quy 1", "ba thang dau nam", "3 thang dau nam"),
    "quy2": ("quy ii", "quy 2"),
    "quy3": ("quy iii", "quy 3"),
    "quy4": ("quy iv", "quy 4", "ba thang cuoi nam", "3 thang cuoi nam"),
    "dangvien": ("dang vien", "dv"),
    "ngansach": ("ngan sach", "kinh phi", "du toan"),
    "giamsat": ("giam sat", "kiem tra"),
    "nhiemvu": ("nhiem vu", "phuong huong", "cong viec", "giai phap"),
    "tuyengiao": ("tuyen giao", "tuyen truyen"),
    "tieucuc": ("tham nhung", "tieu cuc", "lang phi"),
    "chuyendoiso": ("cds", "chuyen doi so", "so hoa", "ung dung cong nghe"),
    "daihoi": ("dh", "dai hoi", "hoi nghi dai bieu"),
    "doithe": ("doi the", "the dang vien", "phat the"),
    "tonggiam": ("xoa ten", "khai tru", "ra khoi dang"),
    "hongheo": ("ho ngheo", "giam ngheo", "nguoi ngheo"),
    "xaydungdang": ("ban xay dung dang", "ban xd dang", "to chuc dang", "dan van"),
    "vaylon": ("vay von", "du no", "tin dung", "nguon von"),
    "chuyensinhhoat": ("chuyen sinh hoat", "chuyen den", "chuyen di"),
    "hanche": (
        "han che",
        "yeu kem",
        "ton tai",
        "bat cap",
        "kho khan",
        "vuong mac",
        "chua tot",
        "lung tung",
        "con cham",
        "chua dat",
        "chua hoan thanh",
    ),
    "thanhlap": ("thanh lap", "hinh thanh", "ra doi"),
    "lan1": ("lan thu nhat", "lan thu 1", "lan thu i", "khoa i", "khoa 1"),
    "lan2": ("lan thu hai", "lan thu 2", "lan thu ii", "khoa ii", "khoa 2"),
    "lan3": ("lan thu ba", "lan thu 3", "lan thu iii", "khoa iii", "khoa 3"),
    "lan4": ("lan thu tu", "lan thu 4", "lan thu iv", "khoa iv", "khoa 4"),
    "lan5": ("lan thu nam", "lan thu 5", "lan thu v", "khoa v", "khoa 5"),
}

EQUIVALENT = frozenset(
    """ubkt mttq bch btv vpdu hdnd ubnd ccb phunu doantn ctxh tnnd cbcc cntt llct ktxh antt tthc nghidinh
    chithi nghiquyet ketluan quyetdinh congvan dongchi tutran quy1 quy2 quy3 quy4 dangvien lan1 lan2 lan3 lan4 lan5
    bchqs baocao""".split()
)

_BY_FIRST: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _concept, _phrases in GROUPS.items():
    for _phrase in _phrases:
        _words = tuple(fold(_phrase).replace("-", " ").split())
        _BY_FIRST.setdefault(_words[0], []).append((_words, "~" + _concept))
for _options in _BY_FIRST.values():
    _options.sort(key=lambda item: len(item[0]), reverse=True)


def concept_spans(tokens: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, concept) for each phrase of the vocabulary in a folded token sequence."""
    out: list[tuple[int, int, str]] = []
    for i, token in enumerate(tokens):
        for words, concept in _BY_FIRST.get(token, ()):
            if tuple(tokens[i : i + len(words)]) == words:
                out.append((i, i + len(words), concept))
                break
    return out


def concepts(tokens: list[str]) -> list[str]:
    """Concept terms for the phrases found in a folded token sequence."""
    return [concept for _, _, concept in concept_spans(tokens)]
