import HomelabCore

/// What apply does when a change to a running VM takes effect only at its next start (PVE keeps
/// cores, memory, CPU type, VGA, PCI devices and the agent pending, and writes cloud-init settings
/// to the guest only when the VM boots).
public enum RestartPolicy: String, Codable, Sendable, Equatable, DefaultedAttribute {
    /// Shut the guest down cleanly (ACPI), then start it: the change is made and in effect.
    case shutdownAndStart = "shutdown-and-start"
    /// Stop the VM at once, as pulling the plug would, then start it. Only when asked.
    case stopAndStart = "stop-and-start"
    /// Leave the change pending on Proxmox: plan and state list what waits for a restart.
    case leavePending = "leave-pending"

    public static var whenMissing: RestartPolicy { .shutdownAndStart }
}
