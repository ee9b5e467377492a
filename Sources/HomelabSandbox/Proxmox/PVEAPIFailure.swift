/// An error the simulated API answers with, in PVE's shapes.
struct PVEAPIFailure: Error {
    var status: Int
    var message: String
    /// 400 "Parameter verification failed." carries per-parameter errors.
    var parameterErrors: [String: String]?

    static func parameters(_ errors: [String: String]) -> PVEAPIFailure {
        PVEAPIFailure(status: 400, message: "Parameter verification failed.", parameterErrors: errors)
    }

    static func server(_ message: String) -> PVEAPIFailure { PVEAPIFailure(status: 500, message: message) }

    static func notImplemented(_ message: String) -> PVEAPIFailure { PVEAPIFailure(status: 501, message: message) }

    static func vmMissing(_ node: String, _ vmid: Int) -> PVEAPIFailure {
        .server("Configuration file 'nodes/\(node)/qemu-server/\(vmid).conf' does not exist")
    }

    static func lockTimeout(_ vmid: Int) -> PVEAPIFailure {
        .server("can't lock file '/var/lock/qemu-server/lock-\(vmid).conf' - got timeout")
    }
}
