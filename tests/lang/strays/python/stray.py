# A syscall no Python program needs: the python profile kills it.
import os
print("calling chroot", flush=True)
try:
    os.chroot("/")
except OSError:
    pass
print("still alive")
