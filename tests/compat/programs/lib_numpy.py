# numpy arithmetic: array maths, linear algebra, random numbers from a fixed seed, object arrays.
import numpy as np

a = np.arange(1, 10001, dtype=np.float64).reshape(100, 100)
b = np.linalg.inv(a @ a.T + np.eye(100) * 1e6)
print(np.round(b.sum(), 12), a.mean(axis=0)[:5], np.sqrt(a).std())
rng = np.random.default_rng(12345)
m = rng.normal(size=(200, 200))
vals = np.linalg.eigvalsh(m + m.T)
print(np.round(vals[:3], 8), np.round(np.fft.fft(m[0]).real[:3], 8))
objs = np.array([[i, str(i)] for i in range(1000)], dtype=object)
print(objs[::250].tolist(), (np.arange(10) ** 2).tolist())
x = np.zeros(1_000_000); x[::3] = 1; print(int(x.sum()))
del x, a, b, m, objs
