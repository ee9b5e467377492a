import CLibSSH2
import Foundation

/// Jump hosts: a `direct-tcpip` channel through this connection, bridged to a local socket pair
/// so the next libssh2 session can run over it as if it were a TCP socket.
extension SSHConnection {
    /// Opens a channel from this (jump) host to `host:port` and returns the local end to speak SSH
    /// over. The bytes are pumped on this connection's queue until either side closes.
    func openTunnel(to host: String, port: Int, timeout: Duration) async throws -> Int32 {
        let sockets = try await run { () throws -> [Int32] in
            guard let session = self.session else {
                throw SSHError.connectionLost(host: self.configuration.host, detail: "the connection is closed")
            }
            let deadline = ContinuousClock.now + timeout
            var channel: OpaquePointer?
            while channel == nil {
                channel = homelab_ssh2_channel_direct_tcpip(session, host, Int32(port))
                if channel == nil {
                    let code = libssh2_session_last_errno(session)
                    guard code == LIBSSH2_ERROR_EAGAIN else {
                        let detail = "the jump host \(self.configuration.host) could not reach it (\(self.lastError("tunnel", code: code)))"
                        throw SSHError.connectionFailed(host: host, detail: detail)
                    }
                    try self.waitForSocket("opening a tunnel to \(host)", until: deadline)
                }
            }
            guard let channel else { throw SSHError.connectionFailed(host: host, detail: "no tunnel") }
            var pair: [Int32] = [-1, -1]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else {
                libssh2_channel_free(channel)
                throw SSHError.connectionFailed(host: host, detail: "socketpair: \(String(cString: strerror(errno)))")
            }
            _ = fcntl(pair[0], F_SETFL, fcntl(pair[0], F_GETFL) | O_NONBLOCK)
            // The pump holds this queue while the tunnel lives; the jump connection serves nothing else.
            nonisolated(unsafe) let tunnel = channel  // used only on this queue
            let local = pair[0]
            self.queue.async { self.pump(tunnel, local: local) }
            return pair
        }
        return sockets[1]
    }

    /// Moves bytes both ways between `channel` and `local` until one side closes.
    private func pump(_ channel: OpaquePointer, local: Int32) {
        guard let session else { return }
        var toLocal = ByteQueue()
        var toRemote = ByteQueue()
        var buffer = [CChar](repeating: 0, count: 65536)
        var nextKeepalive: Int32 = 0
        pumping: while true {
            var progressed = false
            if toLocal.count < 1 << 20 {
                let count = homelab_ssh2_channel_read(channel, 0, &buffer, buffer.count)
                if count > 0 {
                    toLocal.append(buffer[0..<count])
                    progressed = true
                } else if count < 0 && count != Int(LIBSSH2_ERROR_EAGAIN) {
                    break pumping
                } else if count == 0 && libssh2_channel_eof(channel) == 1 && toLocal.isEmpty {
                    break pumping
                }
            }
            if !toLocal.isEmpty {
                let written = toLocal.withPending { Foundation.write(local, $0.baseAddress, $0.count) }
                if written > 0 {
                    toLocal.consume(written)
                    progressed = true
                } else if written < 0 && errno != EAGAIN {
                    break pumping
                }
            }
            if toRemote.isEmpty {
                let count = Foundation.read(local, &buffer, buffer.count)
                if count > 0 {
                    toRemote.append(buffer[0..<count])
                    progressed = true
                } else if count == 0 || errno != EAGAIN {
                    break pumping  // the session over the tunnel is gone
                }
            }
            if !toRemote.isEmpty {
                let written = toRemote.withPending { homelab_ssh2_channel_write(channel, $0.baseAddress, $0.count) }
                if written > 0 {
                    toRemote.consume(written)
                    progressed = true
                } else if written < 0 && written != Int(LIBSSH2_ERROR_EAGAIN) {
                    break pumping
                }
            }
            if !progressed {
                let directions = libssh2_session_block_directions(session)
                var remoteEvents = Int16(POLLIN)
                if directions & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 { remoteEvents |= Int16(POLLOUT) }
                var localEvents: Int16 = toRemote.isEmpty ? Int16(POLLIN) : 0
                if !toLocal.isEmpty { localEvents |= Int16(POLLOUT) }
                var fds = [pollfd(fd: socket, events: remoteEvents, revents: 0), pollfd(fd: local, events: localEvents, revents: 0)]
                _ = poll(&fds, 2, 1000)
                _ = libssh2_keepalive_send(session, &nextKeepalive)
            }
        }
        while libssh2_channel_free(channel) == LIBSSH2_ERROR_EAGAIN {
            var fds = pollfd(fd: socket, events: Int16(POLLIN | POLLOUT), revents: 0)
            _ = poll(&fds, 1, 100)
        }
        close(local)
    }
}

/// Bytes waiting to be written, consumed from the front without copying the rest each time.
private struct ByteQueue {
    private var bytes: [CChar] = []
    private var start = 0

    var count: Int { bytes.count - start }
    var isEmpty: Bool { count == 0 }

    mutating func append(_ chunk: ArraySlice<CChar>) {
        if start > 0 && start == bytes.count {
            bytes.removeAll(keepingCapacity: true)
            start = 0
        }
        bytes += chunk
    }

    mutating func consume(_ count: Int) { start += count }

    func withPending<T>(_ body: (UnsafeBufferPointer<CChar>) -> T) -> T {
        bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start...])) }
    }
}
