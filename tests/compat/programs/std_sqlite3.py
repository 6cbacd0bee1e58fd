# sqlite3: an in-memory database with a table, an index, a Python function and an aggregate.
import sqlite3

class Total:
    def __init__(self): self.n = 0
    def step(self, v): self.n += v
    def finalize(self): return self.n

con = sqlite3.connect(":memory:")
con.create_function("sq", 1, lambda v: v * v)
con.create_aggregate("total", 1, Total)
con.execute("create table t (id integer primary key, name text, v real)")
con.executemany("insert into t (name, v) values (?, ?)", ((f"n{i}", i / 3) for i in range(5000)))
con.execute("create index t_v on t(v)")
print(con.execute("select count(*), total(id), sum(sq(id)) from t").fetchone())
print(con.execute("select name, round(v, 3) from t where v between 10 and 11 order by v").fetchall())
con.row_factory = sqlite3.Row
print([dict(r) for r in con.execute("select * from t order by id desc limit 3")])
con.close()
