# PyYAML loads and dumps a document with anchors, nested maps, dates and the C loader when present.
import datetime
import yaml

DOC = """
defaults: &defaults
  adapter: sqlite
  timeout: 5000
development:
  <<: *defaults
  database: dev.db
  released: 2001-01-01
  tags: [a, b, c]
  nested: {x: 1, y: [1.5, -2, .inf, null, true]}
"""
data = yaml.safe_load(DOC)
print(data)
assert data["development"]["released"] == datetime.date(2001, 1, 1)
text = yaml.safe_dump(data, sort_keys=True, default_flow_style=False)
print(text)
assert yaml.safe_load(text) == data
docs = [{"i": i, "s": "x" * i, "l": list(range(i))} for i in range(200)]
big = yaml.dump_all(docs, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper))
back = list(yaml.load_all(big, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
print(len(big), back == docs)
