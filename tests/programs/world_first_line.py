import sys; print(sorted(sys.modules)); import gc; print(gc.collect())
# world_first_line.py — the program's world at its first line: sys.modules as
# python3.11 has it (gc not imported yet), and no garbage of the recorder's
# for the collector.
