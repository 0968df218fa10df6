"""Demo rows of 1С:ЦЛ's question directory (fixed keys, so reruns change nothing);
`flask sync-question-directory` replaces them with the real ones."""
from __future__ import annotations

from ..consultations.directory import has_rows, store

FOLDERS = (
    ("5f0c7d2e-4b1a-4c3e-9a51-0d6a1b2c3d01", "Бухгалтерия и налоги"),
    ("5f0c7d2e-4b1a-4c3e-9a51-0d6a1b2c3d02", "Запись и приём"),
)
QUESTIONS = (
    ("8a1e6f40-2d3b-4e5f-8a9b-1c2d3e4f5a01", "Вопрос по НДС", 0),
    ("8a1e6f40-2d3b-4e5f-8a9b-1c2d3e4f5a02", "Закрывающие документы", 0),
    ("8a1e6f40-2d3b-4e5f-8a9b-1c2d3e4f5a03", "Перенос приёма", 1),
    ("8a1e6f40-2d3b-4e5f-8a9b-1c2d3e4f5a04", "Подготовка к анализам", 1),
)


def seed() -> None:
    if has_rows():  # demo rows already there, or the real directory fetched from 1С:ЦЛ
        return
    entries = [{"Ref_Key": key, "Description": name, "IsFolder": True} for key, name in FOLDERS]
    entries += [{"Ref_Key": key, "Description": name, "IsFolder": False,
                 "Parent_Key": FOLDERS[folder][0]} for key, name, folder in QUESTIONS]
    store(entries)
