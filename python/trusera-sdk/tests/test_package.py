import importlib.metadata

import trusera_sdk


def test_installed_as_a_distribution_with_type_information():
    assert importlib.metadata.version("trusera-sdk") == "0.1.0"
    files = importlib.metadata.files("trusera-sdk") or []
    assert any(str(f).endswith("trusera_sdk/py.typed") for f in files)
    assert trusera_sdk.__doc__
