import CLibSSH2
import Foundation

/// One SSH connection (libssh2), reused for every command and transfer to its host.
///
/// libssh2 sessions are not thread-safe and their calls block on the network, so each connection
/// owns a serial dispatch queue: every libssh2 call runs there, in non-blocking mode with `poll`,
/// and Swift's cooperative thread pool only awaits the result.
public final class SSHConnection: @unchecked Sendable {
    public let configuration: SSHConfiguration
    /// The server key's `SHA256:…` fingerprint, as `ssh-keygen -l` prints it.
    public private(set) var hostKeyFingerprint = ""
    let queue: DispatchQueue
    var session: OpaquePointer?
    var socket: Int32 = -1
    private var keepalive: (any DispatchSourceTimer)?
    /// The jump host this connection is tunnelled through; kept alive as long as this connection.
    private var jump: SSHConnection?

    private static let globalInit: Int32 = libssh2_init(0)

    private init(configuration: SSHConfiguration) {
        self.configuration = configuration
        self.queue = DispatchQueue(label: "homelabkit.ssh.\(configuration.host)")
        queue.setSpecific(key: Self.queueKey, value: true)
    }

    deinit {
        keepalive?.cancel()
        // Let a keepalive already running on the queue finish before the session goes (unless this
        // is that queue). Freed here, synchronously: work queued past process exit would run
        // while libssh2's crypto library is being torn down.
        if DispatchQueue.getSpecific(key: Self.queueKey) == nil { queue.sync {} }
        if let session {
            libssh2_session_set_blocking(session, 1)
            libssh2_session_disconnect_ex(session, SSH_DISCONNECT_BY_APPLICATION, "bye", "")
            libssh2_session_free(session)
        }
        if socket >= 0 { close(socket) }
    }

    private static let queueKey = DispatchSpecificKey<Bool>()

    /// Connects, checks the host key against the policy, and authenticates.
    public static func connect(_ configuration: SSHConfiguration) async throws -> SSHConnection {
        _ = globalInit
        let connection = SSHConnection(configuration: configuration)
        if var hop = configuration.jumpHosts.last {
            // The last jump host is reached through the ones before it, like OpenSSH's ProxyJump.
            hop.jumpHosts = Array(configuration.jumpHosts.dropLast())
            let jump = try await connect(hop)
            connection.socket = try await jump.openTunnel(
                to: configuration.host, port: configuration.port, timeout: configuration.connectTimeout)
            connection.jump = jump
        }
        try await connection.run { try connection.establish() }
        return connection
    }

    /// Runs `body` on the connection's queue without blocking the caller's thread.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    // MARK: Connecting

    private func establish() throws {
        let host = configuration.host
        if socket < 0 { socket = try Self.openSocket(host: host, port: configuration.port, timeout: configuration.connectTimeout) }
        guard let session = homelab_ssh2_session_init() else {
            throw SSHError.connectionFailed(host: host, detail: "libssh2 could not start a session")
        }
        self.session = session
        libssh2_session_set_blocking(session, 0)
        let deadline = ContinuousClock.now + configuration.loginTimeout
        try retrying("handshake", until: deadline) { libssh2_session_handshake(session, socket) }
        try verifyHostKey(session)
        try authenticate(session, until: deadline)
        if let interval = configuration.keepaliveInterval { startKeepalive(session, every: interval) }
    }

    private static func openSocket(host: String, port: Int, timeout: Duration) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw SSHError.connectionFailed(host: host, detail: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            entry = address.pointee.ai_next
            let fd = Foundation.socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            // SSH sends many small packets and waits for the answers: without this, Nagle's
            // algorithm and delayed ACKs add up to 40 ms to every round trip.
            var noDelay: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
            if Foundation.connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return fd }
            if errno == EINPROGRESS {
                var pollfd = Foundation.pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let ready = poll(&pollfd, 1, Int32(milliseconds(timeout)))
                var error: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
                if ready == 1 && error == 0 { return fd }
                lastError = ready == 0 ? "timed out after \(timeout)" : String(cString: strerror(error))
            } else {
                lastError = String(cString: strerror(errno))
            }
            close(fd)
        }
        throw SSHError.connectionFailed(host: host, detail: lastError)
    }

    private func verifyHostKey(_ session: OpaquePointer) throws {
        let host = configuration.knownHostsName
        var length = 0
        var type: Int32 = 0
        guard let key = libssh2_session_hostkey(session, &length, &type),
            let hash = libssh2_hostkey_hash(session, LIBSSH2_HOSTKEY_HASH_SHA256)
        else { throw SSHError.protocolError(host: host, detail: "the server sent no host key") }
        let digest = Data(bytes: hash, count: 32).base64EncodedString().replacingOccurrences(of: "=", with: "")
        hostKeyFingerprint = "SHA256:\(digest)"
        let policy = configuration.hostKeys
        if policy.fingerprints.contains(hostKeyFingerprint) { return }
        guard let path = policy.knownHosts else {
            if policy.fingerprints.isEmpty { throw SSHError.unknownHost(host: host, fingerprint: hostKeyFingerprint) }
            throw SSHError.hostKeyChanged(host: host, fingerprint: hostKeyFingerprint)
        }
        guard let hosts = libssh2_knownhost_init(session) else {
            throw SSHError.protocolError(host: host, detail: "libssh2_knownhost_init failed")
        }
        defer { libssh2_knownhost_free(hosts) }
        if FileManager.default.fileExists(atPath: path), libssh2_knownhost_readfile(hosts, path, LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0 {
            throw SSHError.protocolError(host: host, detail: "cannot read known_hosts \(path)")
        }
        let mask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | homelab_ssh2_knownhost_keytype(type)
        let check = libssh2_knownhost_checkp(hosts, configuration.host, Int32(configuration.port), key, length, mask, nil)
        switch check {
        case LIBSSH2_KNOWNHOST_CHECK_MATCH:
            return
        case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
            throw SSHError.hostKeyChanged(host: host, fingerprint: hostKeyFingerprint)
        case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND where policy.trustOnFirstUse:
            guard libssh2_knownhost_addc(hosts, host, nil, key, length, nil, 0, mask, nil) == 0,
                libssh2_knownhost_writefile(hosts, path, LIBSSH2_KNOWNHOST_FILE_OPENSSH) == 0
            else { throw SSHError.protocolError(host: host, detail: "cannot record the host key in \(path)") }
        default:
            throw SSHError.unknownHost(host: host, fingerprint: hostKeyFingerprint)
        }
    }

    private func authenticate(_ session: OpaquePointer, until deadline: ContinuousClock.Instant) throws {
        let user = configuration.user
        switch configuration.authentication {
        case .privateKey(let path, let passphrase):
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw SSHError.authenticationFailed(host: configuration.host, user: user, detail: "cannot read the key file \(path)")
            }
            do {
                try retrying("public key authentication", until: deadline) {
                    homelab_ssh2_userauth_publickey_fromfile(session, user, path, passphrase)
                }
            } catch SSHError.protocolError(_, let detail) {
                throw SSHError.authenticationFailed(
                    host: configuration.host, user: user, detail: "the server refused the key \(path) (\(detail))")
            }
        case .agent(let socketPath):
            try authenticateWithAgent(session, socket: socketPath, until: deadline)
        }
    }

    private func authenticateWithAgent(_ session: OpaquePointer, socket path: String?, until deadline: ContinuousClock.Instant) throws {
        let user = configuration.user
        let failure = { (detail: String) in SSHError.authenticationFailed(host: self.configuration.host, user: user, detail: detail) }
        // The agent speaks over a local socket; blocking mode keeps its calls simple.
        libssh2_session_set_blocking(session, 1)
        defer { libssh2_session_set_blocking(session, 0) }
        guard let agent = libssh2_agent_init(session) else { throw failure("cannot start the agent client") }
        defer {
            libssh2_agent_disconnect(agent)
            libssh2_agent_free(agent)
        }
        if let path { libssh2_agent_set_identity_path(agent, path) }
        guard libssh2_agent_connect(agent) == 0 else { throw failure("cannot reach ssh-agent (is SSH_AUTH_SOCK set?)") }
        guard libssh2_agent_list_identities(agent) == 0 else { throw failure("ssh-agent did not list its keys") }
        var previous: UnsafeMutablePointer<libssh2_agent_publickey>?
        var identity: UnsafeMutablePointer<libssh2_agent_publickey>?
        while libssh2_agent_get_identity(agent, &identity, previous) == 0, let current = identity {
            if libssh2_agent_userauth(agent, user, current) == 0 { return }
            previous = current
        }
        throw failure("no key in ssh-agent was accepted")
    }

    private func startKeepalive(_ session: OpaquePointer, every interval: Duration) {
        let seconds = max(1, Int(interval.components.seconds))
        libssh2_keepalive_config(session, 1, UInt32(seconds))
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + .seconds(seconds), repeating: .seconds(seconds))
        timer.setEventHandler {
            var next: Int32 = 0
            _ = libssh2_keepalive_send(session, &next)
        }
        timer.resume()
        keepalive = timer
    }

    // MARK: Waiting

    /// Calls `body` until it stops answering EAGAIN, waiting on the socket in between.
    @discardableResult
    func retrying(_ operation: String, until deadline: ContinuousClock.Instant, _ body: () -> Int32) throws -> Int32 {
        while true {
            let result = body()
            if result != LIBSSH2_ERROR_EAGAIN {
                if result < 0 { throw lastError(operation, code: result) }
                return result
            }
            try waitForSocket(operation, until: deadline)
        }
    }

    /// Waits until the socket can move in the direction libssh2 is blocked on.
    func waitForSocket(_ operation: String, until deadline: ContinuousClock.Instant) throws {
        guard let session else { return }
        let directions = libssh2_session_block_directions(session)
        var events: Int16 = 0
        if directions & LIBSSH2_SESSION_BLOCK_INBOUND != 0 { events |= Int16(POLLIN) }
        if directions & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 { events |= Int16(POLLOUT) }
        if events == 0 { events = Int16(POLLIN) }
        var pollfd = Foundation.pollfd(fd: socket, events: events, revents: 0)
        let remaining = deadline - ContinuousClock.now
        guard remaining > .zero else { throw SSHError.timedOut(host: configuration.host, operation: operation) }
        _ = poll(&pollfd, 1, Int32(min(Self.milliseconds(remaining), 1000)))
    }

    func lastError(_ operation: String, code: Int32) -> SSHError {
        var message: UnsafeMutablePointer<CChar>?
        var length: Int32 = 0
        if let session { libssh2_session_last_error(session, &message, &length, 0) }
        let detail = message.map { String(cString: $0) } ?? "error \(code)"
        switch code {
        // No banner: the server closed the connection before speaking (a machine still booting,
        // an sshd not ready yet), which is the connection breaking rather than a protocol fault.
        case LIBSSH2_ERROR_SOCKET_RECV, LIBSSH2_ERROR_SOCKET_SEND, LIBSSH2_ERROR_SOCKET_DISCONNECT, LIBSSH2_ERROR_SOCKET_TIMEOUT,
            LIBSSH2_ERROR_BANNER_RECV, LIBSSH2_ERROR_BANNER_SEND:
            return .connectionLost(host: configuration.host, detail: "\(operation): \(detail)")
        default:
            return .protocolError(host: configuration.host, detail: "\(operation): \(detail)")
        }
    }

    static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds) * 1000 + Int(duration.components.attoseconds / 1_000_000_000_000_000)
    }

    // MARK: Commands

    /// Runs `command` (an argument list, quoted for the remote shell) and collects its output.
    /// `output` receives stdout (`false`) and stderr (`true`) chunks as they arrive.
    public func execute(
        _ command: ShellCommand,
        input: [UInt8]? = nil,
        output: (@Sendable ([UInt8], _ isStandardError: Bool) -> Void)? = nil
    ) async throws -> SSHExecResult {
        try await run { try self.executeNow(command.line, input: input, output: output) }
    }

    /// A command line written by hand. Prefer ``execute(_:input:output:)`` with a ``ShellCommand``:
    /// a line with untrusted values pasted in is a shell injection.
    public func executeLine(_ line: String) async throws -> SSHExecResult {
        try await run { try self.executeNow(line, input: nil, output: nil) }
    }

    private func executeNow(_ line: String, input: [UInt8]?, output: (@Sendable ([UInt8], Bool) -> Void)?) throws -> SSHExecResult {
        guard let session else { throw SSHError.connectionLost(host: configuration.host, detail: "the connection is closed") }
        let deadline = ContinuousClock.now + configuration.operationTimeout
        var channel: OpaquePointer?
        while channel == nil {
            channel = homelab_ssh2_channel_open_session(session)
            if channel == nil {
                let code = libssh2_session_last_errno(session)
                guard code == LIBSSH2_ERROR_EAGAIN else { throw lastError("opening a channel", code: code) }
                try waitForSocket("opening a channel", until: deadline)
            }
        }
        guard let channel else { throw SSHError.protocolError(host: configuration.host, detail: "no channel") }
        defer { libssh2_channel_free(channel) }
        try retrying("starting the command", until: deadline) { homelab_ssh2_channel_exec(channel, line) }
        if let input {
            var offset = 0
            while offset < input.count {
                let written = input[offset...].withUnsafeBytes { bytes in
                    homelab_ssh2_channel_write(channel, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
                }
                if written == Int(LIBSSH2_ERROR_EAGAIN) {
                    try waitForSocket("sending input", until: deadline)
                } else if written < 0 {
                    throw lastError("sending input", code: Int32(written))
                } else {
                    offset += written
                }
            }
            try retrying("closing input", until: deadline) { libssh2_channel_send_eof(channel) }
        }
        var result = SSHExecResult(exitStatus: -1, stdout: [], stderr: [])
        var buffer = [CChar](repeating: 0, count: 32768)
        while true {
            var progressed = false
            for stream: Int32 in [0, 1] {
                while true {
                    let count = homelab_ssh2_channel_read(channel, stream, &buffer, buffer.count)
                    if count > 0 {
                        let bytes = buffer[0..<count].map { UInt8(bitPattern: $0) }
                        if stream == 0 { result.stdout += bytes } else { result.stderr += bytes }
                        output?(bytes, stream == 1)
                        progressed = true
                    } else if count == Int(LIBSSH2_ERROR_EAGAIN) || count == 0 {
                        break
                    } else {
                        throw lastError("reading the command's output", code: Int32(count))
                    }
                }
            }
            if libssh2_channel_eof(channel) == 1 { break }
            if !progressed { try waitForSocket("waiting for the command", until: deadline) }
        }
        try retrying("closing the channel", until: deadline) { libssh2_channel_close(channel) }
        try retrying("waiting for the exit status", until: deadline) { libssh2_channel_wait_closed(channel) }
        result.exitStatus = libssh2_channel_get_exit_status(channel)
        var signal: UnsafeMutablePointer<CChar>?
        var signalLength = 0
        if libssh2_channel_get_exit_signal(channel, &signal, &signalLength, nil, nil, nil, nil) == 0, let signal, signalLength > 0 {
            result.signal = String(cString: signal)
            free(signal)
        }
        return result
    }

    // MARK: Files (SFTP)

    /// Writes `bytes` to `path` atomically: into a temporary file beside it, then renamed over it,
    /// so a reader never sees half a file. `owner` is `user` or `user:group` (needs the right).
    /// With `asRoot`, the bytes go to a private file in /tmp first and are moved into place with
    /// `sudo` (for a login user that may not write the target directory).
    public func upload(_ bytes: [UInt8], to path: String, mode: Int = 0o644, owner: String? = nil, asRoot: Bool = false) async throws {
        let suffix = "homelabkit-\(UUID().uuidString.prefix(8))"
        let staged = (path as NSString).deletingLastPathComponent + "/.\((path as NSString).lastPathComponent).\(suffix)"
        let transfer = asRoot ? "/tmp/.\(suffix)" : staged
        try await run { try self.writeFile(bytes, to: transfer, mode: asRoot ? 0o600 : mode) }
        var commands: [ShellCommand] = []
        if asRoot {
            commands += [ShellCommand("cp", "--", transfer, staged), ShellCommand("chmod", String(mode, radix: 8), "--", staged)]
        }
        if let owner { commands.append(ShellCommand("chown", "--", owner, staged)) }
        commands.append(ShellCommand("mv", "-f", "--", staged, path))
        defer {
            if asRoot { Task { [self] in _ = try? await execute(ShellCommand("rm", "-f", "--", transfer)) } }
        }
        for command in commands {
            let result = try await execute(asRoot ? command.sudo() : command)
            if !result.succeeded {
                let cleanup = ShellCommand("rm", "-f", "--", staged)
                _ = try? await execute(asRoot ? cleanup.sudo() : cleanup)
                throw SSHError.sftp(host: configuration.host, path: path, detail: "\(command.arguments[0]) failed: \(result.standardError)")
            }
        }
    }

    public func download(_ path: String) async throws -> [UInt8] {
        try await run { try self.readFile(path) }
    }

    /// SFTP status codes (draft-ietf-secsh-filexfer-02) in words.
    static func sftpStatus(_ code: UInt) -> String {
        switch code {
        case 2: return "no such file or directory"
        case 3: return "permission denied"
        case 4: return "failure (SFTP status 4)"
        default: return "SFTP status \(code)"
        }
    }

    private func withSFTP<T>(_ operation: String, _ body: (OpaquePointer, ContinuousClock.Instant) throws -> T) throws -> T {
        guard let session else { throw SSHError.connectionLost(host: configuration.host, detail: "the connection is closed") }
        let deadline = ContinuousClock.now + configuration.operationTimeout
        var sftp: OpaquePointer?
        while sftp == nil {
            sftp = libssh2_sftp_init(session)
            if sftp == nil {
                let code = libssh2_session_last_errno(session)
                guard code == LIBSSH2_ERROR_EAGAIN else { throw lastError("starting SFTP", code: code) }
                try waitForSocket("starting SFTP", until: deadline)
            }
        }
        guard let sftp else { throw SSHError.protocolError(host: configuration.host, detail: "no SFTP session") }
        defer { while libssh2_sftp_shutdown(sftp) == LIBSSH2_ERROR_EAGAIN { try? waitForSocket("closing SFTP", until: deadline) } }
        return try body(sftp, deadline)
    }

    private func openFile(_ sftp: OpaquePointer, _ path: String, flags: Int32, mode: Int, until deadline: ContinuousClock.Instant) throws
        -> OpaquePointer
    {
        while true {
            if let handle = homelab_ssh2_sftp_open(sftp, path, UInt(flags), mode) { return handle }
            guard let session, libssh2_session_last_errno(session) == LIBSSH2_ERROR_EAGAIN else {
                throw SSHError.sftp(
                    host: configuration.host, path: path, detail: "cannot open: \(Self.sftpStatus(libssh2_sftp_last_error(sftp)))")
            }
            try waitForSocket("opening \(path)", until: deadline)
        }
    }

    private func writeFile(_ bytes: [UInt8], to path: String, mode: Int) throws {
        try withSFTP("upload") { sftp, deadline in
            let handle = try openFile(
                sftp, path, flags: LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC, mode: mode, until: deadline)
            defer {
                while homelab_ssh2_sftp_close(handle) == LIBSSH2_ERROR_EAGAIN { try? waitForSocket("closing \(path)", until: deadline) }
            }
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset..<min(bytes.count, offset + 65536)].withUnsafeBytes { chunk in
                    libssh2_sftp_write(handle, chunk.baseAddress?.assumingMemoryBound(to: CChar.self), chunk.count)
                }
                if written == Int(LIBSSH2_ERROR_EAGAIN) {
                    try waitForSocket("writing \(path)", until: deadline)
                } else if written < 0 {
                    throw lastError("writing \(path)", code: Int32(written))
                } else {
                    offset += written
                }
            }
            // The mode given at open is masked by the server's umask; set it exactly.
            var attributes = LIBSSH2_SFTP_ATTRIBUTES()
            attributes.flags = UInt(LIBSSH2_SFTP_ATTR_PERMISSIONS)
            attributes.permissions = UInt(mode)
            try retrying("setting the mode of \(path)", until: deadline) { homelab_ssh2_sftp_setstat(sftp, path, &attributes) }
        }
    }

    private func readFile(_ path: String) throws -> [UInt8] {
        try withSFTP("download") { sftp, deadline in
            let handle = try openFile(sftp, path, flags: LIBSSH2_FXF_READ, mode: 0, until: deadline)
            defer {
                while homelab_ssh2_sftp_close(handle) == LIBSSH2_ERROR_EAGAIN { try? waitForSocket("closing \(path)", until: deadline) }
            }
            var contents: [UInt8] = []
            var buffer = [CChar](repeating: 0, count: 65536)
            while true {
                let count = libssh2_sftp_read(handle, &buffer, buffer.count)
                if count > 0 {
                    contents += buffer[0..<count].map { UInt8(bitPattern: $0) }
                } else if count == 0 {
                    return contents
                } else if count == Int(LIBSSH2_ERROR_EAGAIN) {
                    try waitForSocket("reading \(path)", until: deadline)
                } else {
                    throw lastError("reading \(path)", code: Int32(count))
                }
            }
        }
    }
}
