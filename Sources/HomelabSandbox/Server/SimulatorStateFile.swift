import Foundation
import Synchronization

/// Where a simulator keeps its lasting state while it runs. It is written (atomically, mode 0600)
/// whenever it changed, before the response that follows the change goes out, as the real
/// servers commit a change before answering: PVE's cluster filesystem writes each change in its
/// own SQLite transaction (proxmox/pve-cluster `src/pmxcfs/database.c`, `bdb_backend_write`:
/// BEGIN, the inode, COMMIT), and the API server's storage commits an etcd transaction before it
/// decodes the reply (kubernetes/kubernetes `staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go`,
/// `(*store).Create`: `Txn(...).Then(OpPut(...)).Commit()`). A run killed at any instant leaves
/// behind every change a client was told about. Called from inside the
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
