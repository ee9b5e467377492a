import CCurl
import Foundation
import Synchronization

/// A dedicated thread running one libcurl multi handle: every transfer of a client runs here, so
/// blocking network I/O never occupies Swift's cooperative thread pool, and the multi handle's
/// connection cache reuses connections across requests.
final class CurlLoop: @unchecked Sendable {
    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_ALL)) }()

    private let multi: UnsafeMutableRawPointer
    private let incoming = Mutex<[CurlTransfer]>([])
    private let cancelled = Mutex<Set<ObjectIdentifier>>([])
    private let stopped = Atomic<Bool>(false)
    /// Owned by the loop thread.
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]

    init(maximumConnections: Int) throws(HTTPError) {
        _ = Self.globalInit
        guard let multi = curl_multi_init() else { throw .invalidRequest("curl_multi_init failed") }
        self.multi = multi
        _ = homelab_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, maximumConnections)
        // The thread keeps the loop alive until stop() ends it; the loop then frees its handles.
        let thread = Thread { self.run() }
        thread.name = "homelabkit.curl"
        thread.start()
    }

    /// Ends the thread; transfers still running fail with ``HTTPError/cancelled``.
    func stop() {
        stopped.store(true, ordering: .releasing)
        curl_multi_wakeup(multi)
    }

    /// Hands a configured transfer to the loop thread.
    func submit(_ transfer: CurlTransfer) {
        incoming.withLock { $0.append(transfer) }
        curl_multi_wakeup(multi)
    }

    func cancel(_ transfer: CurlTransfer) {
        _ = cancelled.withLock { $0.insert(ObjectIdentifier(transfer)) }
        curl_multi_wakeup(multi)
    }

    private func run() {
        while !stopped.load(ordering: .acquiring) {
            for transfer in incoming.withLock({ list in
                defer { list = [] }
                return list
            }) {
                active[transfer.easy] = transfer
                let code = curl_multi_add_handle(multi, transfer.easy)
                if code != CURLM_OK { complete(transfer, .failure(.invalidRequest(String(cString: curl_multi_strerror(code))))) }
            }
            let cancelledNow = cancelled.withLock { set in
                defer { set = [] }
                return set
            }
            if !cancelledNow.isEmpty {
                for transfer in active.values where cancelledNow.contains(ObjectIdentifier(transfer)) {
                    complete(transfer, .failure(.cancelled))
                }
            }
            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            var remaining: Int32 = 0
            while let message = curl_multi_info_read(multi, &remaining) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle, let transfer = active[easy] else {
                    continue
                }
                complete(transfer, transfer.finish(message.pointee.data.result))
            }
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
        for transfer in Array(active.values) { complete(transfer, .failure(.cancelled)) }
        for transfer in incoming.withLock({ $0 }) {
            transfer.continuation?.resume(throwing: HTTPError.cancelled)
            transfer.release()
        }
        curl_multi_cleanup(multi)
    }

    private func complete(_ transfer: CurlTransfer, _ result: Result<HTTPResponse, HTTPError>) {
        curl_multi_remove_handle(multi, transfer.easy)
        active[transfer.easy] = nil
        transfer.release()
        transfer.continuation?.resume(with: result.mapError { $0 as any Error })
        transfer.continuation = nil
    }
}
