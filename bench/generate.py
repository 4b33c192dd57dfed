"""Generate a realistic synthetic corpus from the samples: the same sections recombined under
other commune names, with other dates and figures. Used by the benchmark (and at scale).

    python -m bench.generate OUT_DIR --docs 40 [--communes 100] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

from rag.ingest.parse import parse
from rag.text import clean, fold

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SAMPLE_COMMUNES = ("Xuân Hưng", "Đại Sơn", "Kè Sắt", "Kê Sắt", "Kẽ Sắt", "Bình Lư", "Bình Lục", "Phú Trung")
NAME_PARTS = (
    "An",
    "Bình",
    "Cẩm",
    "Đông",
    "Gia",
    "Hòa",
    "Hưng",
    "Kim",
    "Lạc",
    "Long",
    "Minh",
    "Nam",
    "Phú",
    "Quang",
    "Sơn",
    "Tân",
    "Thanh",
    "Thịnh",
    "Trung",
    "Vĩnh",
    "Xuân",
    "Yên",
    "Đức",
    "Hải",
    "Thủy",
    "Lâm",
    "Phong",
)
_NUMBER_RE = re.compile(r"(?<![\w/-])(\d{1,3}(?:\.\d{3})+|\d{2,4})(?![\w/-])")


def commune_names(count: int, rng: random.Random) -> list[str]:
    names: set[str] = set()
    count = min(count, len(NAME_PARTS) ** 2)
    while len(names) < count:
        names.add(f"{rng.choice(NAME_PARTS)} {rng.choice(NAME_PARTS)}")
    return sorted(names)


def _figure(match: re.Match[str], rng: random.Random) -> str:
    raw = match.group(1)
    value = int(raw.replace(".", ""))
    if 1990 <= value <= 2035:  # a year: leave the calendar alone
        return raw
    new = max(1, round(value * rng.uniform(0.6, 1.4)))
    return f"{new:,}".replace(",", ".") if "." in raw or new >= 1000 else str(new).zfill(len(raw))


def synthesize(text: str, commune: str, rng: random.Random) -> str:
    for name in SAMPLE_COMMUNES:
        text = text.replace(name, commune).replace(name.upper(), commune.upper())
    text = _NUMBER_RE.sub(lambda m: _figure(m, rng), text)
    return re.sub(
        r"\b(\d{1,2})/(\d{1,2})/(20\d\d)\b", lambda m: f"{rng.randint(1, 28)}/{m.group(2)}/{m.group(3)}", text
    )


def generate(out: Path, docs: int, seed: int = 7, communes: int = 100) -> list[Path]:
    """`docs` documents over `communes` communes (a province has about a hundred), each
    commune receiving the samples in turn, with its own figures and dates."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    samples = sorted(CORPUS.glob("*.*"))
    texts = [(p, p.read_text(encoding="utf-8")) for p in samples]
    names = commune_names(max(1, min(communes, -(-docs // len(texts)))), rng)
    paths: list[Path] = []
    for i in range(docs):
        source, text = texts[i % len(texts)]
        commune = names[(i // len(texts)) % len(names)]
        body = clean(synthesize(text, commune, rng))
        # Recombine: drop a random section now and then, as real reports differ in shape.
        sections = parse(body).sections
        if sections and rng.random() < 0.5:
            victim = rng.choice(sections)
            body = body[: victim.start] + body[victim.end :]
        path = out / f"{i:05d}-{fold(commune).replace(' ', '-')}{source.suffix}"
        path.write_text(body, encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--docs", type=int, default=40)
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"wrote {len(generate(args.out, args.docs, args.seed, args.communes))} documents to {args.out}")


if __name__ == "__main__":
    main()
