/// How a ``ProxmoxSimulator`` behaves: its inventory, its timings and its error style.
public struct PVESimulatorConfiguration: Sendable {
    /// How errors are reported, as by the two generations of pve-http-server.
    public enum ErrorStyle: Sendable {
        /// libpve-http-server-perl < 5.2.0: the message only in the status line, body `{"data":null}`.
        case statusLineOnly
        /// ≥ 5.2.0: also `"message"` in the JSON body.
        case statusLineAndBody
    }

    public struct PCIDevice: Sendable {
        public var id: String
        public var vendor: String
        public var device: String
        public var iommuGroup: Int
        public var name: String

        public init(id: String, vendor: String, device: String, iommuGroup: Int, name: String) {
            self.id = id
            self.vendor = vendor
            self.device = device
            self.iommuGroup = iommuGroup
            self.name = name
        }
    }

    /// Simulated durations of the tasks PVE runs in workers.
    public struct TaskDurations: Sendable {
        public var clone: Duration = .seconds(2)
        public var create: Duration = .milliseconds(500)
        public var configure: Duration = .milliseconds(200)
        public var resize: Duration = .milliseconds(300)
        public var start: Duration = .milliseconds(800)
        public var shutdown: Duration = .seconds(1)
        public var stop: Duration = .milliseconds(300)
        public var template: Duration = .milliseconds(500)
        public var destroy: Duration = .milliseconds(500)
        public var networkReload: Duration = .milliseconds(500)
        public var download: Duration = .seconds(1)
        public var upload: Duration = .milliseconds(200)
        /// An unattended Ubuntu install, from the boot command to power-off.
        public var install: Duration = .seconds(5)

        public init() {}

        /// Every duration multiplied by `factor` (tests run at 1/20 of realistic time).
        public func scaled(_ factor: Double) -> TaskDurations {
            var copy = self
            for path in [
                \TaskDurations.clone, \.create, \.configure, \.resize, \.start, \.shutdown, \.stop, \.template, \.destroy, \.networkReload,
                \.download,
            ] {
                copy[keyPath: path] = self[keyPath: path] * factor
            }
            return copy
        }
    }

    /// API tokens the simulator accepts: full token id (`homelab@pve!provider`) → secret.
    public var tokens: [String: String] = ["homelab@pve!provider": "5f1b8a8e-7d0c-4c9e-9b39-3c2a1f6e0d11"]
    public var nodes: [String] = ["pve"]
    public var pciDevices: [PCIDevice] = [
        PCIDevice(id: "0000:00:02.0", vendor: "0x8086", device: "0x46a6", iommuGroup: 1, name: "Alder Lake-P GT2 [Iris Xe Graphics]")
    ]
    public var errorStyle: ErrorStyle = .statusLineAndBody
    public var taskDurations = TaskDurations()
    /// How long a request waits for a VM's config lock before "got timeout" (PVE: 10 s).
    public var lockTimeout: Duration = .seconds(10)
    /// How long a full clone holds its target storage's lock (allocation), of the clone's duration.
    public var storageLockShare: Double = 0.25
    /// Added to every request before it is handled.
    public var latency: Duration = .zero
    /// PVE delays every 401 by 3 s.
    public var authenticationFailureDelay: Duration = .seconds(3)
    /// When set, every request is also checked against the official schema; violations are
    /// recorded and answered with 400, as PVE's own parameter verification would.
    public var schema: PVESchema?
    /// Checksums of what `download-url` can fetch (the simulator has no internet): URL → sha256.
    public var downloads: [String: String] = [:]
    /// Boots a guest when a VM starts and stops it when the VM stops (the sandbox's machines);
    /// `nil`: VMs are records only.
    public var guests: (any PVEGuestHost)?

    public init() {}
}
