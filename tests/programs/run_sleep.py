# run_sleep.py — allocates in a loop until interrupted or killed; says "ready" once running.
import time

print("ready", flush=True)
kept = []
while True:
    kept.append([len(kept)] * 4)
    if len(kept) > 1000:
        kept.clear()
    time.sleep(0.005)
