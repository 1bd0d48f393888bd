import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kafka import MockBroker  # noqa: E402


@pytest.fixture
def broker():
    b = MockBroker()
    yield b
    b.close()
