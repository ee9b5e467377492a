/// An error the simulated API answers with, in PVE's shapes: pve-http-server
/// `PVE/APIServer/AnyEvent.pm` answers a `die` as 500 with the message as the status line and
/// pve-common `PVE/Exception.pm`'s `raise_param_exc` as 400 "Parameter verification failed." with
/// an `errors` object.
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

    /// pve-guest-common `PVE/AbstractConfig.pm` `load_config`: `die "Configuration file '$cfspath'
    /// does not exist\n"`.
    static func vmMissing(_ node: String, _ vmid: Int) -> PVEAPIFailure {
        .server("Configuration file 'nodes/\(node)/qemu-server/\(vmid).conf' does not exist")
    }

    /// pve-common `PVE/Tools.pm` `lock_file_full`: "can't lock file '<path>' - got timeout".
    static func lockTimeout(_ vmid: Int) -> PVEAPIFailure {
        .server("can't lock file '/var/lock/qemu-server/lock-\(vmid).conf' - got timeout")
    }
}
