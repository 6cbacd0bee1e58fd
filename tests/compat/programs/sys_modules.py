# The modules loaded before the program imports anything: the recorder must add none.
import sys
print(sorted(sys.modules))
