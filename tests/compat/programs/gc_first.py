import gc; print(gc.collect())
# gc.collect() as the program's first line: the recorder must leave no garbage of its own.
