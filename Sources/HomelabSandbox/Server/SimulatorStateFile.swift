import Foundation
import Synchronization

/// Where a simulator keeps its lasting state while it runs. It is written (atomically, mode 0600)
/// whenever it changed, before the response that follows the change goes out, as PVE's cluster
/// filesystem and the API server's etcd commit a change before answering: a run killed at any
/// instant leaves behind every change a client was told about. Called from inside the
/// simulator's actor, so writes keep the order of the changes.
final class SimulatorStateFile: Sendable {
    let path: String
    private let written = Mutex<Data?>(nil)

    init(path: String) { self.path = path }

    func write(_ state: Data) throws {
        try written.withLock { last in
            guard state != last else { return }
            try state.write(to: URL(fileURLWithPath: path), options: .atomic)
            chmod(path, 0o600)
            last = state
        }
    }
}
