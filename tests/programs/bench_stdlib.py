# bench_stdlib.py — a stdlib-heavy script: json, re, dataclasses, collections.
import collections
import dataclasses
import json
import re


@dataclasses.dataclass
class Entry:
    word: str
    count: int


text = " ".join(f"word{i % 97} value{i % 13}" for i in range(20000))
counts = collections.Counter(re.findall(r"[a-z]+\d+", text))
entries = [Entry(w, c) for w, c in counts.most_common()]
blob = json.dumps([dataclasses.asdict(e) for e in entries])
back = json.loads(blob)
groups = collections.defaultdict(list)
for item in back:
    groups[item["count"]].append(item["word"])
print(len(entries), len(blob), len(groups))
