# Deaths of objects whose types the recorder meets in odd ways, with what
# CPython itself says of them printed, so a test can compare with python3.11.
import calendar, datetime, email.utils, importlib.metadata, json, re, sys

# _datetime's date has no tp_dealloc of its own: PyType_Ready copied object's
# while the recorder had wrapped it. These stay alive past the end of the run.
when = datetime.date(2001, 1, 1)
stamp = datetime.datetime(2001, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc)
print(when, stamp.isoformat(), calendar.isleap(2000), email.utils.format_datetime(stamp))

class Day(datetime.date):             # a Python class over the copied slot
    pass

days = [Day(2001, 1, d) for d in range(1, 8)]
print(sum(d.toordinal() for d in days))
del days[3:]                          # some die now, the rest at exit

# Heap types with a deallocator of their own (re's Pattern and Match, json's
# scanner): the recorder wraps them and must not keep them alive.
p = re.compile("a+b")
m = p.match("aab")
print(m.span(), json.loads('{"k": [1, 2.5, "s"]}'))
print(sys.getrefcount(type(p)), sys.getrefcount(type(m)))
del m
print(sys.getrefcount(re.Match))
