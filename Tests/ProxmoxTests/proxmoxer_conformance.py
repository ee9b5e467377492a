"""The real Python client proxmoxer (PyPI) against the HomelabSandbox PVE simulator.

Run by ProxmoxerConformanceTests with PVE_HOST, PVE_PORT, PVE_TOKEN (USER@REALM!ID=SECRET) and
PVE_CA (the simulator's CA file). Exits non-zero on the first mismatch.
"""
import os
import sys

from proxmoxer import ProxmoxAPI
from proxmoxer.tools import Tasks

token_id, secret = os.environ["PVE_TOKEN"].split("=", 1)
user, token_name = token_id.split("!", 1)
prox = ProxmoxAPI(
    os.environ["PVE_HOST"],
    port=int(os.environ["PVE_PORT"]),
    user=user,
    token_name=token_name,
    token_value=secret,
    verify_ssl=os.environ["PVE_CA"],
    service="PVE",
    timeout=60,
)

nodes = [node["node"] for node in prox.nodes.get()]
print("nodes:", nodes)
assert nodes == ["homelabpve01"], nodes

version = prox.version.get()
assert version["release"].startswith("9."), version

# nextid reserves nothing; it names the lowest free VMID, or refuses a taken one.
assert str(prox.cluster.nextid.get()) == "100", prox.cluster.nextid.get()
try:
    prox.cluster.nextid.get(vmid=9000)
    sys.exit("nextid accepted a VMID in use")
except Exception as error:
    assert "already exists" in str(error), error

upid = prox.nodes("homelabpve01").qemu(9000).clone.post(newid=300, name="from-proxmoxer", full=1, storage="local-lvm")
print("clone task:", upid)
assert upid.startswith("UPID:homelabpve01:"), upid
decoded = Tasks.decode_upid(upid)
assert decoded["type"] == "qmclone" and decoded["id"] == "9000", decoded

status = Tasks.blocking_status(prox, upid, timeout=30, polling_interval=0.05)
print("task status:", status["status"], status.get("exitstatus"))
assert status["status"] == "stopped" and status["exitstatus"] == "OK", status

log = Tasks.decode_log(prox.nodes("homelabpve01").tasks(upid).log.get())
assert "TASK OK" in log, log

config = prox.nodes("homelabpve01").qemu(300).config.get()
assert config["name"] == "from-proxmoxer", config
assert "vm-300-disk-0" in config["scsi0"], config

try:
    prox.nodes("homelabpve01").qemu(9000).clone.post(newid=300, full=1)
    sys.exit("a clone onto an existing VMID was accepted")
except Exception as error:  # proxmoxer.core.ResourceException
    print("collision:", error)
    assert "already exists" in str(error), error

print("proxmoxer conformance: OK")
