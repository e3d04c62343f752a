import json

from specgen.dump import canonical_json, dump, load


def test_synthetic_set_round_trips(synthetic_set):
    data = dump(synthetic_set)
    again = load(json.loads(canonical_json(data)), name=synthetic_set.name)
    assert dump(again) == data
    assert data["RouteDescriptors"][1]["Methods"][1]["Requests"][0]["Headers"] is None
    assert data["ErrorDescriptors"][0]["Group"] == "common"


def test_dump_of_garbage_is_a_clear_error():
    import pytest

    from specgen.dump import DumpError

    with pytest.raises(DumpError, match="not a descriptor dump"):
        load({"RouteDescriptors": [{"Name": "x"}]})
