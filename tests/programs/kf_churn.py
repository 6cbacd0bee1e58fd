# kf_churn.py — a few thousand events of dict and list churn, so tests can
# build keyframes on a small trace and compare them with a full replay.
data = {}
for i in range(300):
    data["k%d" % (i % 50)] = [i, i + 1]
    if i % 7 == 0:
        del data["k%d" % (i % 50)]
print(len(data))
