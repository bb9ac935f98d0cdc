"""Stand-in for get-pip.py, which ansible-test downloads from a host we cannot reach.

ansible-test runs the cached script with pip's install arguments (e.g. `pip==25.2 --no-setuptools`).
We bootstrap pip from the interpreter's bundled ensurepip wheel, then let that pip install the
requested versions from the package index, which is reachable.
"""
import subprocess
import sys

GET_PIP_ONLY_OPTIONS = ("--no-setuptools", "--no-wheel")

subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], stdout=subprocess.DEVNULL)
subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet"]
                      + [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS])
