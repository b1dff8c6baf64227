"""The local Stripe server as a process: loopback only, private state that survives restarts,
clean shutdown, byte-for-byte idempotent replay, data reset, fault configuration, licensing."""

from __future__ import annotations

import re
import signal
from pathlib import Path

import pytest
import requests

from devstack.ports import free_port
from devstack.stripe_server import (
    running_stripe_server,
    start_stripe_server,
    stop_stripe_server,
    wait_until_ready,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
AUTH = ("sk_test_devstack", "")
SHARED_PICKLE = Path("/tmp/localstripe.pickle")


def post(base: str, path: str, data: dict, key: str | None = None, auth=AUTH) -> requests.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return requests.post(base + path, data=data, headers=headers, auth=auth, timeout=5)


def get(base: str, path: str, **params) -> requests.Response:
    return requests.get(base + path, params=params, auth=AUTH, timeout=5)


def test_it_listens_on_loopback_only(tmp_path):
    with running_stripe_server(tmp_path / "state.pickle") as server:
        listening = [line.split()[1] for table in ("/proc/net/tcp", "/proc/net/tcp6")
                     if Path(table).exists() for line in Path(table).read_text().splitlines()[1:]
                     if line.split()[3] == "0A"]  # state LISTEN
        ours = [address for address in listening if address.endswith(f":{server.port:04X}")]
        if not ours:
            pytest.skip("no /proc/net/tcp to read listening sockets from")
        assert ours == ["0100007F:" + f"{server.port:04X}"]  # 127.0.0.1, nothing else


def test_state_is_private_and_survives_a_restart(tmp_path):
    state = tmp_path / "state.pickle"
    shared_before = SHARED_PICKLE.stat().st_mtime_ns if SHARED_PICKLE.exists() else None
    with running_stripe_server(state) as server:
        account = post(server.base_url, "/v1/accounts", {"type": "express"}, key="acct-1")
        customer = post(server.base_url, "/v1/customers", {"email": "a@example.test"}).json()
        stop_code = stop_stripe_server(server.process)
    assert stop_code == 0
    assert state.exists()
    assert (SHARED_PICKLE.stat().st_mtime_ns if SHARED_PICKLE.exists() else None) == shared_before

    with running_stripe_server(state) as server:
        assert get(server.base_url, f"/v1/customers/{customer['id']}").json()["email"] == "a@example.test"
        replay = post(server.base_url, "/v1/accounts", {"type": "express"}, key="acct-1")
        assert replay.content == account.content  # the idempotency record came back too
        assert replay.headers["Idempotent-Replayed"] == "true"

    with running_stripe_server(state, from_scratch=True) as server:
        assert get(server.base_url, f"/v1/customers/{customer['id']}").status_code == 404


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_it_stops_cleanly_on_a_signal(tmp_path, signum):
    with running_stripe_server(tmp_path / "state.pickle") as server:
        server.process.send_signal(signum)
        assert server.process.wait(timeout=15) == 0


def test_a_replay_is_byte_for_byte_and_other_parameters_are_refused(tmp_path):
    with running_stripe_server(tmp_path / "state.pickle") as server:
        base = server.base_url
        first = post(base, "/v1/customers", {"email": "b@example.test"}, key="k")
        again = post(base, "/v1/customers", {"email": "b@example.test"}, key="k")
        other_params = post(base, "/v1/customers", {"email": "c@example.test"}, key="k")
        other_endpoint = post(base, "/v1/accounts", {"type": "express"}, key="k")
        other_api_key = post(base, "/v1/customers", {"email": "b@example.test"}, key="k",
                             auth=("sk_test_someone_else", ""))

        assert (again.status_code, again.content) == (first.status_code, first.content)
        for refused in (other_params, other_endpoint):
            assert refused.status_code == 400
            assert refused.json()["error"]["type"] == "idempotency_error"
        assert other_api_key.json()["id"] != first.json()["id"]
        assert len(get(base, "/v1/customers", limit=100).json()["data"]) == 2


def test_unknown_destination_answers_stripes_error_shape(tmp_path):
    with running_stripe_server(tmp_path / "state.pickle") as server:
        answer = post(server.base_url, "/v1/transfers",
                      {"amount": 100, "currency": "eur", "destination": "acct_nope"})

    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == "destination"
    assert "acct_nope" in error["message"]


def test_a_reversal_gives_back_to_the_source_charge_what_it_takes_from_the_transfer(tmp_path):
    with running_stripe_server(tmp_path / "state.pickle") as server:
        base = server.base_url
        account = post(base, "/v1/accounts", {"type": "express"}).json()["id"]
        intent = post(base, "/v1/payment_intents", {
            "amount": 1000, "currency": "eur", "payment_method": "pm_card_visa", "confirm": "true",
            "capture_method": "automatic", "transfer_group": "deal-9"}).json()
        charge = intent["latest_charge"]["id"]
        transfer = post(base, "/v1/transfers", {"amount": 1000, "currency": "eur", "destination": account,
                                                "source_transaction": charge}).json()
        assert post(base, "/v1/transfers", {"amount": 1, "currency": "eur", "destination": account,
                                            "source_transaction": charge}).status_code == 400

        reversal = post(base, f"/v1/transfers/{transfer['id']}/reversals", {"amount": 400})
        too_much = post(base, f"/v1/transfers/{transfer['id']}/reversals", {"amount": 601})

        assert reversal.json()["amount"] == 400 and too_much.status_code == 400
        assert get(base, f"/v1/transfers/{transfer['id']}").json()["amount_reversed"] == 400
        assert post(base, "/v1/transfers", {"amount": 400, "currency": "eur", "destination": account,
                                            "source_transaction": charge}).status_code == 200
        charges = get(base, "/v1/charges", payment_intent=intent["id"]).json()["data"]
        assert [(c["id"], c["transfer_group"]) for c in charges] == [(charge, "deal-9")]


def test_clearing_data_also_forgets_accounts_transfers_and_idempotency_keys(tmp_path):
    with running_stripe_server(tmp_path / "state.pickle") as server:
        base = server.base_url
        account = post(base, "/v1/accounts", {"type": "express"}, key="acct").json()
        transfer = post(base, "/v1/transfers", {"amount": 5, "currency": "eur",
                                                "destination": account["id"]}).json()

        assert requests.delete(base + "/_config/data", timeout=5).status_code == 200

        assert get(base, f"/v1/accounts/{account['id']}").status_code == 404
        assert get(base, f"/v1/transfers/{transfer['id']}").status_code == 404
        recreated = post(base, "/v1/accounts", {"type": "express"}, key="acct")
        assert "Idempotent-Replayed" not in recreated.headers
        assert recreated.json()["id"] != account["id"]


def test_faults_are_configured_listed_consumed_and_cleared(tmp_path):
    with running_stripe_server(tmp_path / "state.pickle") as server:
        faults = server.base_url + "/_config/faults"
        assert requests.post(faults, json={"path_prefix": "v1", "mode": "later"},
                             timeout=5).status_code == 400
        requests.post(faults, json={"path_prefix": "/v1/customers", "status": 502, "count": 2},
                      timeout=5).raise_for_status()
        assert requests.get(faults, timeout=5).json()["faults"][0]["count"] == 2

        statuses = [post(server.base_url, "/v1/customers", {}).status_code for _ in range(3)]

        assert statuses == [502, 502, 200]
        requests.post(faults, json={"path_prefix": "/v1/customers"}, timeout=5).raise_for_status()
        assert requests.delete(faults, timeout=5).json() == {"faults": []}
        assert post(server.base_url, "/v1/customers", {}).status_code == 200


def test_a_corrupt_state_file_stops_the_server_with_a_message(tmp_path):
    state = tmp_path / "state.pickle"
    state.write_bytes(b"not a pickle of ours")
    port = free_port()
    process = start_stripe_server(port, state, log_path=tmp_path / "stripe.log")
    try:
        with pytest.raises(RuntimeError, match="exited"):
            wait_until_ready(f"http://127.0.0.1:{port}", 30, process)
    finally:
        stop_stripe_server(process)
    assert "from-scratch" in (tmp_path / "stripe.log").read_text()


def test_runtime_code_never_imports_localstripe():
    """localstripe is GPL and a dev tool: only devstack/ may import it."""
    importing = re.compile(r"^\s*(from|import)\s+localstripe\b", re.MULTILINE)
    offenders = [str(path.relative_to(PROJECT_ROOT))
                 for folder in ("domain", "integrations", "activities", "workflows", "web")
                 for path in (PROJECT_ROOT / folder).rglob("*.py")
                 if importing.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
