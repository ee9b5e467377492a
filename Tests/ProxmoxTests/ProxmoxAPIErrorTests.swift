import HomelabKit
import Testing

/// Error answers as PVE sends them, decoded into kinds and clear messages (bpg's and proxmoxer's
/// recorded shapes).
@Suite struct ProxmoxAPIErrorTests {
    func decode(_ status: Int, _ reason: String, _ body: String) -> ProxmoxAPIError {
        ProxmoxAPIError.from(status: status, reason: reason, body: Array(body.utf8), request: "PUT /nodes/pve/qemu/101/config")
    }

    @Test func parameterErrorsAreNamed() {
        let error = decode(
            400, "Parameter verification failed.",
            #"{"data":null,"errors":{"hostpci0":"invalid format - format error\nhostpci0.host: value does not match the regex pattern\n"}}"#
        )
        guard case .invalidParameters(let errors) = error.kind else {
            Issue.record("\(error.kind)")
            return
        }
        #expect(errors["hostpci0"]?.hasPrefix("invalid format") == true)
        #expect(error.description.contains("hostpci0: invalid format"))
        #expect(
            decode(400, "Parameter verification failed.", #"{"errors":{"vmid":"VM 218 already exists"},"data":null}"#).kind
                == .alreadyExists)
    }

    /// Issue #11 b: PVE's own not-found answers for an interface (pve-manager `API2/Network.pm`, a
    /// parameter error on `iface`) and a PCI mapping (`API2/Cluster/Mapping/PCI.pm`, a bare 500).
    @Test func everyNotFoundShapeOfPVEIsRecognised() {
        let iface = decode(
            400, "Parameter verification failed.", #"{"data":null,"errors":{"iface":"interface does not exist"}}"#)
        #expect(iface.kind == .notFound)
        #expect(decode(500, "mapping 'igpu' not found", #"{"data":null}"#).kind == .notFound)
        #expect(decode(500, "pci ID 'igpu' does not exist", #"{"data":null}"#).kind == .notFound)
        #expect(decode(500, "pci ID 'igpu' already defined", #"{"data":null}"#).kind == .alreadyExists)
        // A parameter error that is not about a missing object stays one.
        let mixed = decode(
            400, "Parameter verification failed.",
            #"{"errors":{"iface":"interface does not exist","cidr":"invalid format"},"data":null}"#)
        #expect(mixed.kind != .notFound)
    }

    @Test func theStatusLineAloneCarriesOldServersMessages() {
        let old = decode(500, "can't lock file '/var/lock/qemu-server/lock-101.conf' - got timeout", #"{"data":null}"#)
        #expect(old.kind == .lockTimeout && old.isRetriable)
        #expect(
            old.description
                == "PUT /nodes/pve/qemu/101/config failed (HTTP 500): can't lock file '/var/lock/qemu-server/lock-101.conf' - got timeout")
        let new = decode(500, "QEMU guest agent is not running", #"{"data":null,"message":"QEMU guest agent is not running\n"}"#)
        #expect(new.message == "QEMU guest agent is not running", "the body repeats the status line: said once")
        #expect(decode(500, "Configuration file 'nodes/pve/qemu-server/117.conf' does not exist", "{}").kind == .notFound)
        #expect(decode(500, "only root can set 'hostpci0' config for non-mapped devices", "{}").kind == .permission)
    }

    @Test func proxyAndTransportFailures() {
        #expect(decode(596, "Connection timed out", "").kind == .proxy)
        #expect(decode(599, "Too many redirections", "").kind == .proxy)
        #expect(decode(401, "authentication failure", "").kind == .authentication)
        #expect(decode(500, "got no worker upid - start worker failed", "").isRetriable)
        #expect(!decode(500, "clone failed: storage is full", "").isRetriable)
    }
}
