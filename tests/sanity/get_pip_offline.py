"""Stand-in for ansible-test's get-pip bootstrap script, which is downloaded from a host this
machine cannot reach (only PyPI is). ansible-test runs it as
`python get_pip.py [pip options] pip==X setuptools==Y wheel==Z [--no-setuptools] [--no-wheel]`
inside each fresh sanity-test venv; ensurepip gives that venv a pip, which then installs the
exact pinned packages from PyPI.
"""
import subprocess
import sys

GET_PIP_ONLY_FLAGS = {"--no-setuptools", "--no-wheel"}

subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"],
                      stdout=subprocess.DEVNULL)
args = [a for a in sys.argv[1:] if a not in GET_PIP_ONLY_FLAGS]
subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)
